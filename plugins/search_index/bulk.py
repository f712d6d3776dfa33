"""Write a fresh index's documents as one standard Whoosh segment, postings kept in memory.

Whoosh's `SegmentWriter` sends every posting through a generic pipeline: a tuple per
posting into an external sorting pool (pickled runs on disk when it is full), then, term
by term, one `add()` call per posting that also looks up the document's field length in
the just-written length column. For a full rebuild that is about half of the index's CPU.

`BulkWriter` is a `SegmentWriter` (same lock, per-document writer, columns, stored
fields, segment, TOC and commit) that differs in two places only:
- `add_document` keeps each term's postings in compact arrays per field (document
  numbers, weights, the encoded values in one byte buffer) and each document's field
  lengths as the length byte Whoosh stores;
- the segment's postings are written field by field, term by term in sorted order, a
  block of `blocklimit` postings at a time through the codec's own postings writer, so
  the files are the ones `SegmentWriter` writes for the same documents (the tests compare
  them term by term).

It only writes into an index with no segments (a full rebuild) and only for schemas
without term vectors or separate spelling fields; `commit()` never merges anything.
Memory: about 25 bytes per posting (1.5 million postings for 5,000 posts).
"""

from __future__ import annotations

from array import array
from typing import Any

from whoosh import fields as whoosh_fields
from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import NO_MERGE, IndexingError, SegmentWriter

from plugins.search_index.fastformat import (
    SHARED_VALUES,
    FastPositions,
    encode_positions,
    is_default_stemming,
    stemmed_positions,
)


class _TermPostings:
    """One term's postings in one field, in document order."""

    __slots__ = ("docs", "ends", "values", "weights")

    def __init__(self) -> None:
        self.docs = array("I")
        self.weights = array("d")
        self.values = bytearray()
        self.ends = array("I")  # where each posting's encoded value ends in `values`


class _NoPool:
    """Stands in for SegmentWriter's posting pool (nothing to clean up)."""

    def cleanup(self) -> None:
        """Nothing was written to disk."""


def supports(schema: Any) -> bool:
    """Whether BulkWriter can write documents of `schema` (no vectors, no spelling fields)."""
    return not any(
        field.vector or field.separate_spelling() for _, field in schema.items() if field.indexed
    )


class BulkWriter(SegmentWriter):  # type: ignore[misc]  # Whoosh is untyped
    """A SegmentWriter for a fresh index that sorts its postings in memory."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        if self.segments:
            self.cancel()
            raise IndexingError("BulkWriter writes into an empty index only")
        if not supports(self.schema):
            self.cancel()
            raise IndexingError("BulkWriter cannot write term vectors or spelling fields")
        self.pool = _NoPool()
        # Per field: term (str for stemmed text fields, else bytes) → postings.
        self._terms: dict[str, dict[Any, _TermPostings]] = {}
        self._length_bytes: dict[str, bytearray] = {}
        # Fields whose postings come straight from stemmed_positions (no Whoosh generators).
        self._stemmed = {
            name
            for name, field in self.schema.items()
            if type(field.format) is FastPositions
            and type(field).index is whoosh_fields.FieldType.index
            and is_default_stemming(field.analyzer)
        }

    def add_document(self, **fields: Any) -> None:
        """Add a document: the same stored values, columns and postings as SegmentWriter."""
        self._check_state()
        schema = self.schema
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed and fieldname in self._stemmed and isinstance(value, str):
                    length = self._add_stemmed(
                        fieldname, field, value, self._field_boost(fields, fieldname, docboost)
                    )
                elif field.indexed:
                    length = self._add_postings(
                        fieldname, field, value, self._field_boost(fields, fieldname, docboost)
                    )
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(
                    fieldname, field, customval if field.stored else None, length
                )
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(
                        fieldname, column, field.to_column_value(customval)
                    )
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_stemmed(self, fieldname: str, field: Any, value: str, boost: float) -> int:
        """`_add_postings` for a stemmed text field: the same postings, computed directly."""
        docnum = self.docnum
        terms = self._terms.setdefault(fieldname, {})
        field_boost = field.format.field_boost
        length = 0
        for word, positions in stemmed_positions(value).items():
            count = len(positions)
            length += count
            postings = terms.get(word)
            if postings is None:
                postings = terms[word] = _TermPostings()
            postings.docs.append(docnum)
            postings.weights.append(float(count) * field_boost * boost)
            postings.values += encode_positions(positions)
            postings.ends.append(len(postings.values))
        self._record_length(fieldname, length if field.scorable else 0)
        return length if field.scorable else 0

    def _record_length(self, fieldname: str, length: int) -> None:
        if length:
            # What the per-document reader gives back for this length (a byte).
            lengths = self._length_bytes.setdefault(fieldname, bytearray())
            lengths.extend(bytes(self.docnum - len(lengths)))
            lengths.append(length_to_byte(length))

    def _add_postings(self, fieldname: str, field: Any, value: Any, boost: float) -> int:
        """Keep the field's postings for the current document; return its length."""
        docnum = self.docnum
        terms = self._terms.setdefault(fieldname, {})
        scorable = field.scorable
        length = 0
        for tbytes, freq, weight, vbytes in field.index(value):
            if scorable:
                length += freq
            postings = terms.get(tbytes)
            if postings is None:
                postings = terms[tbytes] = _TermPostings()
            postings.docs.append(docnum)
            postings.weights.append(weight * boost)
            if vbytes:
                postings.values += vbytes
            postings.ends.append(len(postings.values))
        self._record_length(fieldname, length)
        return length

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        for fieldname in sorted(self._terms):
            terms = self._terms.pop(fieldname)
            lengths = self._length_bytes.pop(fieldname, bytearray())
            lengths.extend(bytes(self.docnum - len(lengths)))
            keys = sorted((k.encode("utf-8") if isinstance(k, str) else k, k) for k in terms)
            fieldwriter.start_field(fieldname, self.schema[fieldname])
            for tbytes, key in keys:
                fieldwriter.start_term(tbytes)
                _write_term(fieldwriter, terms.pop(key), lengths)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()

    def commit(self, *args: Any, **kwargs: Any) -> None:
        """Write the segment and the TOC (there is nothing to merge)."""
        super().commit(mergetype=NO_MERGE)


def _write_term(fieldwriter: Any, postings: _TermPostings, lengths: bytearray) -> None:
    """Write one term's postings, as FieldWriter.add_postings would, a block at a time."""
    writer = fieldwriter._postwriter
    ends = postings.ends
    starts = array("I", [0])
    starts += ends[:-1]
    values = bytes(postings.values)
    if not isinstance(writer, W3PostingsWriter):
        for docnum, weight, start, end in zip(
            postings.docs, postings.weights, starts, ends, strict=True
        ):
            lbyte = lengths[docnum]
            length = byte_to_length(lbyte) if lbyte else None
            fieldwriter.add(docnum, weight, values[start:end] or emptybytes, length)
        return
    limit = writer._blocklimit
    shared = SHARED_VALUES.get
    count = len(postings.docs)
    for first in range(0, count, limit):
        if first:
            writer._write_block()  # a full block; the last one is written by finish_term
        last = min(first + limit, count)
        docs = postings.docs[first:last]
        weights = postings.weights[first:last]
        writer._ids = docs
        writer._weights = array("f", weights)
        writer._maxweight = max(0, *weights)
        # The shared objects FastPositions gives SegmentWriter: the same pickled block.
        writer._values = [
            shared(values[start:end], values[start:end])
            for start, end in zip(starts[first:last], ends[first:last], strict=True)
            if end > start
        ]
        # Field lengths as the per-document reader gives them back (a zero byte: none).
        length_bytes = bytes(map(lengths.__getitem__, docs))
        low = min(length_bytes)
        if not low:
            low = min((b for b in length_bytes if b), default=0)
        writer._minlength = byte_to_length(low) if low else None
        writer._maxlength = byte_to_length(max(length_bytes))
