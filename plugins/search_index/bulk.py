"""Write a fresh index's documents as one standard Whoosh segment, postings kept in memory.

Whoosh's `SegmentWriter` sends every posting through a generic pipeline: a tuple per
posting into an external sorting pool (pickled runs on disk when it is full), then, term
by term, one `add()` call per posting that also looks up the document's field length in
the just-written length column. For a full rebuild that is about half of the index's CPU.

`BulkWriter` is a `SegmentWriter` (same lock, per-document writer, columns, stored
fields, segment, TOC and commit) that differs in two places only:
- `add_document` appends each field's postings to flat per-field arrays (term number,
  document number, weight, encoded value), a document at a time with C-level `map`s (the
  stemmed text fields take their postings straight from `stemmed_positions`), and keeps
  each document's field lengths as the length byte Whoosh stores;
- the segment's postings are then ordered by term with one stable numpy sort per field
  and written term by term, a block of `blocklimit` postings at a time, through the
  codec's own postings writer: the files are byte for byte the ones `SegmentWriter`
  writes for the same documents (a test compares them).

It only writes into an index with no segments (a full rebuild) and only for schemas
without term vectors or separate spelling fields; `commit()` never merges anything.
Memory: about 40 bytes per posting (1.5 million postings for 5,000 posts).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from itertools import count, repeat
from typing import Any

import numpy as np
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


class _FieldPostings:
    """One field's postings in the order they were added (document order)."""

    __slots__ = ("docs", "lengths", "term_ids", "terms", "values", "weights")

    def __init__(self) -> None:
        # term (str for stemmed text fields, else bytes) → its number, given on first use
        self.term_ids: defaultdict[Any, int] = defaultdict(count().__next__)
        self.terms = array("I")  # per posting: the term's number
        self.docs = array("I")
        self.weights = array("d")
        self.values: list[bytes] = []
        self.lengths = bytearray()  # per document: the field's length byte (0: none)

    def record_length(self, docnum: int, length: int) -> None:
        if length:
            self.lengths.extend(bytes(docnum - len(self.lengths)))
            self.lengths.append(length_to_byte(length))


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
        self._fields: dict[str, _FieldPostings] = {}
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
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(self.docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    postings = self._fields.get(fieldname)
                    if postings is None:
                        postings = self._fields[fieldname] = _FieldPostings()
                    if fieldname in self._stemmed and isinstance(value, str):
                        length = self._add_stemmed(postings, field, value, boost)
                    else:
                        length = self._add_postings(postings, field, value, boost)
                    postings.record_length(self.docnum, length)
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

    def _add_stemmed(self, postings: _FieldPostings, field: Any, value: str, boost: float) -> int:
        """Add a stemmed text field's postings (as FastPositions.word_values gives them)."""
        poses = stemmed_positions(value)
        positions = poses.values()
        counts = list(map(len, positions))
        postings.terms.extend(map(postings.term_ids.__getitem__, poses))
        postings.docs.extend(repeat(self.docnum, len(counts)))
        field_boost = field.format.field_boost
        if field_boost == 1.0 and boost == 1.0:
            postings.weights.extend(map(float, counts))
        else:
            postings.weights.extend([float(c) * field_boost * boost for c in counts])
        postings.values.extend(map(encode_positions, positions))
        return sum(counts) if field.scorable else 0

    def _add_postings(self, postings: _FieldPostings, field: Any, value: Any, boost: float) -> int:
        """Add a field's postings as Whoosh's field.index() gives them; return its length."""
        scorable = field.scorable
        length = 0
        term_id = postings.term_ids.__getitem__
        for tbytes, freq, weight, vbytes in field.index(value):
            if scorable:
                length += freq
            postings.terms.append(term_id(tbytes))
            postings.docs.append(self.docnum)
            postings.weights.append(weight * boost)
            postings.values.append(vbytes or emptybytes)
        return length

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        for fieldname in sorted(self._fields):
            postings = self._fields.pop(fieldname)
            if not postings.term_ids:
                continue  # as SegmentWriter: a field without terms is not in the term file
            fieldwriter.start_field(fieldname, self.schema[fieldname])
            _write_field(fieldwriter, postings, self.docnum)
            fieldwriter.finish_field()
        fieldwriter.close()

    def commit(self, *args: Any, **kwargs: Any) -> None:
        """Write the segment and the TOC (there is nothing to merge)."""
        super().commit(mergetype=NO_MERGE)


def _write_field(fieldwriter: Any, postings: _FieldPostings, doc_count: int) -> None:
    """Write a field's terms in sorted order, each term's postings in document order.

    The inputs are dropped as soon as their sorted copies exist (memory peaks here).
    """
    terms = sorted(
        (term.encode("utf-8") if isinstance(term, str) else term, number)
        for term, number in postings.term_ids.items()
    )
    postings.term_ids.clear()
    # Each posting's term rank; a stable sort keeps document order within a term.
    rank = np.empty(len(terms), dtype=np.int32)
    rank[[number for _, number in terms]] = np.arange(len(terms), dtype=np.int32)
    keys = rank[np.frombuffer(postings.terms, dtype=np.uint32)]
    postings.terms = array("I")
    order = np.argsort(keys, kind="stable")
    sizes = np.bincount(keys, minlength=len(terms)).tolist()
    del keys
    docs = np.frombuffer(postings.docs, dtype=np.uint32)[order]
    postings.docs = array("I")
    weights = np.frombuffer(postings.weights, dtype=np.float64)[order]
    postings.weights = array("d")
    values = np.empty(len(postings.values), dtype=object)
    values[:] = postings.values
    postings.values = []
    values = values[order]
    del order
    lengths = postings.lengths
    lengths.extend(bytes(doc_count - len(lengths)))
    doc_lengths = np.frombuffer(lengths, dtype=np.uint8)[docs].tobytes()
    start = 0
    for (tbytes, _), size in zip(terms, sizes, strict=True):
        fieldwriter.start_term(tbytes)
        _write_term(fieldwriter, start, start + size, docs, weights, values, doc_lengths)
        fieldwriter.finish_term()
        start += size


def _write_term(
    fieldwriter: Any,
    first: int,
    end: int,
    docs: Any,
    weights: Any,
    values: Any,
    doc_lengths: bytes,
) -> None:
    """Write the postings first..end (one term's), as FieldWriter.add_postings would.

    `docs`, `weights` and `values` are numpy arrays (uint32, float64, object) in term order.
    """
    writer = fieldwriter._postwriter
    if not isinstance(writer, W3PostingsWriter):
        for i in range(first, end):
            lbyte = doc_lengths[i]
            length = byte_to_length(lbyte) if lbyte else None
            fieldwriter.add(int(docs[i]), float(weights[i]), values[i], length)
        return
    limit = writer._blocklimit
    shared = SHARED_VALUES.get
    for start in range(first, end, limit):
        if start > first:
            writer._write_block()  # a full block; the last one is written by finish_term
        stop = min(start + limit, end)
        block_weights = weights[start:stop].tolist()
        writer._ids = array("I", docs[start:stop].tolist())
        writer._weights = array("f", block_weights)
        writer._maxweight = max(0, *block_weights)
        # The shared objects FastPositions gives SegmentWriter: the same pickled block.
        writer._values = [shared(v, v) for v in values[start:stop].tolist() if v]
        # Field lengths as the per-document reader gives them back (a zero byte: none).
        length_bytes = doc_lengths[start:stop]
        low = min(length_bytes)
        if not low:
            low = min((b for b in length_bytes if b), default=0)
        writer._minlength = byte_to_length(low) if low else None
        writer._maxlength = byte_to_length(max(length_bytes))
