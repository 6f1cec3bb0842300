"""Streaming readers for the bulk files of the public business registers.

A register file is a CSV, or a JSON array of objects (Norway's
``enheter_alle.json.gz``), plain, gzipped or alone in a zip archive, of
millions of rows: it is read row by row, never loaded whole. Columns are
found by their header (published headers carry stray spaces, and newer files
add columns), never by position; a JSON object's fields are flattened with
dots, as the CSV downloads name them. No ORM here: tested against plain files.

A hostile file cannot exhaust memory: lines and JSON elements are read with
a cap, and so are the size and the compression ratio of what a zip or gzip
decompresses to (the caps below; every real national file is far within
them, see docs/administrator.md).
"""
import codecs
import csv
import gzip
import io
import json
import re
import zipfile
from collections import namedtuple
from contextlib import contextmanager

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
# The longest CSV line read, in bytes, and JSON element, in characters:
# real rows are a few hundred.
MAX_LINE_BYTES = 1 << 20
MAX_ELEMENT_CHARS = 1 << 20
# The longest line of a JSON-lines file: one document with its whole
# history (Denmark's largest companies hold a few MB).
MAX_DOCUMENT_BYTES = 64 << 20
# What a zip or gzip member may decompress to: 40 GB (the biggest national
# file, SIRENE's establishments, is about 9 GB), at most 100 times its
# compressed size (real register files compress 4 to 15 times). The ratio is
# judged once 4 MiB are decompressed (what the reader read ahead of the
# compressed file only lowers it): past the line and element caps, so that
# an endless line is called what it is, and soon enough that a bomb of short
# lines stops before many rows are parsed.
MAX_DECOMPRESSED_BYTES = 40 * 10 ** 9
MAX_COMPRESSION_RATIO = 100
RATIO_GRACE_BYTES = 4 << 20
# The most decompressed bytes asked of a zip or gzip member at once: asked
# for a whole block (16 MiB), zipfile reads as many compressed bytes and
# keeps both, and the block is copied once more into the reader's buffer.
_MEMBER_READ_BYTES = 1 << 20
# A JSON file's columns are the fields of its first elements.
JSON_HEADER_ELEMENTS = 20
_JSON_CHUNK_CHARS = 1 << 16
_JSON_SPACE = re.compile(r"[ \t\n\r]*")

# A field over the csv module's default limit (128 KiB) is still under the line cap.
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))


class RegisterFileError(Exception):
    """The file cannot be read as a whole: nothing of it may be imported.

    ``kind`` says what is wrong (``zip``, ``empty``, ``encoding``, ``structure``,
    ``json``, ``json_line``, ``line_too_long``, ``element_too_long``,
    ``document_too_long``, ``too_big``, ``ratio``, ``columns``, ``field``), ``line`` where (1 is the header; in a JSON file,
    the element's number), ``detail`` the reader's own words.
    """

    def __init__(self, kind, line=None, detail=""):
        super().__init__(f"{kind} at line {line}: {detail}")
        self.kind = kind
        self.line = line
        self.detail = detail


def archive_members(binary):
    """{name: decompressed size} of the files a zip archive holds when it
    holds several (a register published as a zip of CSV members, such as
    Belgium's KBO), else None: a plain file, a gzip, or a zip of one file."""
    head = binary.read(4)
    binary.seek(0)
    if head != ZIP_MAGIC:
        return None
    try:
        with zipfile.ZipFile(binary) as archive:
            names = {info.filename: info.file_size for info in archive.infolist() if not info.is_dir()}
    except zipfile.BadZipFile as error:
        raise RegisterFileError("zip", detail=str(error)) from error
    finally:
        binary.seek(0)
    return names if len(names) > 1 else None


@contextmanager
def open_register_file(binary, member_name=None):
    """The text lines (`DecodedLines`) of a binary file object holding a CSV
    or JSON file, plain, zipped or gzipped.

    The compression is recognised by the content, not the name (users rename
    downloads); a zip must hold exactly one file, unless `member_name` names
    the one of its files to read (`archive_members`).
    """
    head = binary.read(4)
    binary.seek(0)
    archive = member = None
    if head == ZIP_MAGIC:
        try:
            archive = zipfile.ZipFile(binary)
        except zipfile.BadZipFile as error:
            raise RegisterFileError("zip", detail=str(error)) from error
        files = [info for info in archive.infolist() if not info.is_dir()]
        if member_name is not None:
            files = [info for info in files if info.filename == member_name]
        if len(files) != 1:
            archive.close()
            raise RegisterFileError("zip", detail=f"{len(files)} files in the archive, 1 expected")
        info = files[0]
        # Refused at once when the archive says so itself.
        if info.file_size > MAX_DECOMPRESSED_BYTES:
            archive.close()
            raise RegisterFileError("too_big", detail=f"{info.file_size:,} bytes decompressed")
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            archive.close()
            raise RegisterFileError("ratio", detail=f"{info.file_size:,} bytes from {info.compress_size:,}")
        member = archive.open(info)
        # Its lines read in C, and seekable.
        binary = io.BufferedReader(_CappedStream(member, binary, info.header_offset), 1 << 16)
    elif head[:2] == GZIP_MAGIC:
        member = gzip.GzipFile(fileobj=binary, mode="rb")
        binary = io.BufferedReader(_CappedStream(member, binary, 0), 1 << 16)
    try:
        yield DecodedLines(binary)
    finally:
        if member:
            member.close()
        if archive:
            archive.close()


class DecodedLines:
    """The lines of a decompressed file as UTF-8 text (a leading BOM
    dropped), counting the bytes they took: where a row ends can be noted,
    and the file opened again there (`seek`: a plain file jumps, a zip or a
    gzip member is decompressed up to it, never parsed). A line over
    MAX_LINE_BYTES is refused (`RegisterFileError` without a line number:
    the reader knows it)."""

    def __init__(self, binary):
        self._binary = binary
        self.bytes_read = 0
        # For `read` and `readline` (JSON, the first line): a chunk may end
        # inside a character.
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def __iter__(self):
        return self

    def __next__(self):
        line = self._binary.readline(MAX_LINE_BYTES + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_LINE_BYTES:
            raise RegisterFileError("line_too_long", detail=f"over {MAX_LINE_BYTES:,} bytes")
        if not self.bytes_read and line.startswith(codecs.BOM_UTF8):
            self.bytes_read += len(codecs.BOM_UTF8)
            line = line[len(codecs.BOM_UTF8):]
        self.bytes_read += len(line)
        return line.decode("utf-8")

    def readline(self, limit):
        """The next line, or its first `limit` bytes, as text."""
        return self._decode(self._binary.readline(limit))

    def read_chunk(self, size):
        """The next `size` bytes, as text."""
        return self._decode(self._binary.read(size))

    def read_bytes(self, size):
        """The next `size` bytes (fewer at the end of the file), undecoded:
        CSV rows go to PostgreSQL's COPY as they are (`RegisterCsvReader.read_block`)."""
        data = self._binary.read(size)
        if not self.bytes_read and data.startswith(codecs.BOM_UTF8):
            self.bytes_read += len(codecs.BOM_UTF8)
            data = data[len(codecs.BOM_UTF8):]
        self.bytes_read += len(data)
        return data

    def _decode(self, data):
        if not self.bytes_read and data.startswith(codecs.BOM_UTF8):
            self.bytes_read += len(codecs.BOM_UTF8)
            data = data[len(codecs.BOM_UTF8):]
        self.bytes_read += len(data)
        return self._decoder.decode(data, final=not data)

    @property
    def bytes_decoded(self):
        """The bytes read and returned as text (not those of a character
        cut by the end of a chunk)."""
        return self.bytes_read - len(self._decoder.getstate()[0])

    def seek(self, offset):
        """Go on reading at `offset`, in bytes of the decompressed file."""
        self._binary.seek(offset)
        self.bytes_read = offset
        self._decoder.reset()


class _CappedStream(io.RawIOBase):
    """The decompressed bytes of a zip or gzip member, refused past
    MAX_DECOMPRESSED_BYTES or MAX_COMPRESSION_RATIO times what was read of
    the compressed file."""

    def __init__(self, member, compressed, start):
        super().__init__()
        self._member = member
        self._compressed = compressed   # its tell(): how far the member's reader read it
        self._start = start             # where the member starts in it
        self.size = 0                   # where the member is read up to

    def readable(self):
        return True

    def seekable(self):
        return self._member.seekable()

    def tell(self):
        return self.size

    def seek(self, offset, whence=io.SEEK_SET):
        # Only to where a reading under the caps went before (a resumed import).
        self.size = self._member.seek(offset, whence)
        return self.size

    def readinto(self, buffer):
        # Fewer bytes than asked is no end: io.BufferedReader asks again.
        data = self._member.read(min(len(buffer), _MEMBER_READ_BYTES))
        size = len(data)
        buffer[:size] = data
        self.size += size
        if self.size > MAX_DECOMPRESSED_BYTES:
            raise RegisterFileError("too_big", detail=f"over {MAX_DECOMPRESSED_BYTES:,} bytes decompressed")
        if self.size > RATIO_GRACE_BYTES \
                and self.size > MAX_COMPRESSION_RATIO * max(self._compressed.tell() - self._start, 1):
            raise RegisterFileError("ratio", detail=f"over {MAX_COMPRESSION_RATIO} times its compressed size")
        return size


def open_register_reader(text, delimiter=",", json_roots=()):
    """The reader of a register file's text (`DecodedLines`):
    `RegisterJsonReader` for a JSON array, `RegisterJsonLinesReader` for
    one JSON object per line (`json_roots`: the wrappers it unwraps), else
    `RegisterCsvReader`, of `delimiter`, or of the one of several (a tuple)
    its header holds most of."""
    with _reading(1):
        first = text.readline(MAX_LINE_BYTES + 1)
        while first and not first.strip():
            first = text.readline(MAX_LINE_BYTES + 1)
    if first.lstrip().startswith("["):
        # A JSON file may be one line: the first (capped) read is its start.
        return RegisterJsonReader(text, first)
    if first.lstrip().startswith("{"):
        return RegisterJsonLinesReader(text, first, json_roots)
    if len(first.encode("utf-8")) > MAX_LINE_BYTES:
        raise RegisterFileError("line_too_long", line=1, detail=f"over {MAX_LINE_BYTES:,} bytes")
    if not isinstance(delimiter, str):
        # A register whose files differ (Estonia: semicolons, and commas in
        # the tax file's newer format): the one its header holds most of.
        delimiter = max(delimiter, key=first.count)
    return RegisterCsvReader(text, delimiter, first or None)


@contextmanager
def _reading(line):
    """Errors of the text stream as `RegisterFileError` at `line`."""
    try:
        yield
    except UnicodeDecodeError as error:
        raise RegisterFileError("encoding", line=line, detail=str(error)) from error
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        # A zip or gzip cut short or damaged fails while it is read.
        raise RegisterFileError("zip", line=line, detail=str(error)) from error
    except RegisterFileError as error:
        # Over a cap of the decompressed stream or a line's: where it was reached.
        error.line = error.line or line
        raise


# The rows of a CSV read at once (`RegisterCsvReader.read_block`): `data`,
# whole rows as bytes of the file; `first_line`, the line its first row
# starts on; `lines`, how many lines they take.
RowBlock = namedtuple("RowBlock", ["data", "first_line", "lines"])


class RegisterCsvReader:
    """Rows of a register CSV, by blocks of whole rows (`read_block`) that
    PostgreSQL's COPY parses, or parsed here (`block_rows`: ``(line number,
    [values])``).

    Header names are stripped of spaces. A row whose number of fields differs
    from the header's, an unterminated quote or undecodable bytes mean a
    truncated or damaged file: `RegisterFileError` naming the line. So does
    a line over MAX_LINE_BYTES.
    """

    def __init__(self, text, delimiter=",", first_line=None):
        self._text = text
        self.delimiter = delimiter
        self._first = first_line        # already read (to tell CSV from JSON)
        self._reader = csv.reader(self._lines(), delimiter=delimiter, strict=True)
        self._skipped_lines = 0   # the lines jumped over by `resume` and read by `read_block`
        self._carry = b""         # read by `read_block` past its last whole row
        try:
            self.header = [name.strip() for name in self._next_row()]
        except StopIteration:
            raise RegisterFileError("empty", line=1, detail="the file is empty") from None

    def _lines(self):
        if self._first is not None:
            yield self._first
        yield from self._text

    @property
    def line_num(self):
        """The number of the last line read (1 is the header)."""
        return self._reader.line_num + self._skipped_lines

    @property
    def position(self):
        """``(bytes, line)``: where the last row read ends, in bytes of the
        decompressed file and in lines."""
        return self._text.bytes_read - len(self._carry), self.line_num

    def resume(self, position):
        """Go on after the row that ended at `position` (a `position` noted
        earlier, once the header is read)."""
        offset, line = position
        self._text.seek(offset)
        self._carry = b""
        self._skipped_lines = line - self._reader.line_num

    def read_block(self, size):
        """The next rows, as a `RowBlock` of about `size` bytes (at least one
        row), None at the end of the file. A row ends at a line end outside
        quotes; a line over MAX_LINE_BYTES is refused."""
        with _reading(self.line_num + 1):
            data = self._carry + self._text.read_bytes(max(size - len(self._carry), 0))
        at_end = len(data) < size
        if not data:
            return None
        end = len(data) if at_end else _last_row_end(data)
        while end is None:
            # One row longer than `size`: read on until it ends.
            if len(data) > MAX_LINE_BYTES and data.find(b"\n", 0, MAX_LINE_BYTES + 1) < 0:
                raise RegisterFileError("line_too_long", line=self.line_num + 1,
                                        detail=f"over {MAX_LINE_BYTES:,} bytes")
            with _reading(self.line_num + 1):
                more = self._text.read_bytes(size)
            data += more
            at_end = not more
            end = len(data) if at_end else _last_row_end(data)
        data, self._carry = data[:end], data[end:]
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        # A line over the cap: from each line start, the last line end
        # within the cap's reach (a few jumps per block, not one per line).
        start = 0
        while len(data) - start > MAX_LINE_BYTES:
            end = data.rfind(b"\n", start, start + MAX_LINE_BYTES + 1)
            if end < 0:
                raise RegisterFileError("line_too_long", line=self.line_num + 1 + data.count(b"\n", 0, start),
                                        detail=f"over {MAX_LINE_BYTES:,} bytes")
            start = end + 1
        block = RowBlock(data, self.line_num + 1, lines)
        self._skipped_lines += lines
        return block

    def block_rows(self, block):
        """The rows of a `RowBlock` parsed here, ``(line number, [values])``,
        with the checks of the rows iterated (for a block COPY refused)."""
        try:
            text = block.data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RegisterFileError("encoding", line=block.first_line + block.data.count(b"\n", 0, error.start),
                                    detail=str(error)) from error
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, strict=True)
        width = len(self.header)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise RegisterFileError("structure", line=block.first_line + reader.line_num - 1,
                                        detail=str(error)) from error
            if len(row) != width:
                if not row:
                    continue
                raise RegisterFileError(
                    "structure", line=block.first_line + reader.line_num - 1,
                    detail=f"{len(row)} fields where the header has {width}",
                )
            yield block.first_line + reader.line_num - 1, row

    def _next_row(self):
        try:
            return next(self._reader)
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise RegisterFileError("line_too_long", line=self.line_num,
                                        detail=f"over {MAX_LINE_BYTES:,} bytes") from error
            raise RegisterFileError("structure", line=self.line_num, detail=str(error)) from error
        except (UnicodeDecodeError, zipfile.BadZipFile, EOFError, OSError, RegisterFileError) as error:
            with _reading(self.line_num + 1):
                raise error


class _JsonRow(dict):
    """A flattened JSON object: a field it does not have reads as empty, as
    an empty column of the CSV."""

    def __missing__(self, key):
        return ""


class RegisterJsonReader:
    """Elements of a JSON array of objects as ``(element number, {field:
    value})``, read as a stream (`json.JSONDecoder.raw_decode` over a
    buffer), one line or many.

    Nested objects are flattened with dots (``forretningsadresse.poststed``),
    lists of values joined with ", ", values given as the CSV gives them
    (``true``/``false``, numbers as digits, null as empty). The header is
    the fields of the first elements. An element over MAX_ELEMENT_CHARS,
    anything but an object in the array, or invalid JSON stop the reading
    with `RegisterFileError`.

    Like the CSV reader, it tells where the last element read ends
    (`position`, in bytes of the decompressed file) and goes on from there
    (`resume`): a resumed import reads on, it does not read again.
    """

    def __init__(self, text, start=""):
        self._text = text
        self._decoder = json.JSONDecoder()
        self._start_reading(text.bytes_decoded - len(start.encode("utf-8")), start, count=0)
        self._skip_space()
        if self._buffer[self._pos:self._pos + 1] != "[":
            raise RegisterFileError("json", line=1, detail="a JSON array of objects expected")
        self._pos += 1
        while len(self._ahead) < JSON_HEADER_ELEMENTS:
            element = self._next_element()
            if element is None:
                break
            self._ahead.append((element, self._bytes))
        if not self._ahead:
            raise RegisterFileError("empty", line=1, detail="the array is empty")
        self.header = list(dict.fromkeys(key for element, _end in self._ahead for key in element))

    def _start_reading(self, offset, buffer, count):
        self._buffer = buffer
        self._pos = 0
        self._eof = False
        self._count = count       # elements decoded
        self._ahead = []          # decoded, not yielded yet: (row, end)
        self._yielded = count     # elements yielded
        self._end = offset        # where the last one yielded ends, in bytes
        # Bytes of the file up to the buffer's `_counted` character: where
        # an element ends is counted as it is decoded, never from the start.
        self._bytes = offset
        self._counted = 0

    @property
    def position(self):
        """``(bytes, element number)``: where the last element read ends."""
        return self._end, self._yielded

    def resume(self, position):
        """Go on after the element that ended at `position` (noted earlier)."""
        offset, count = position
        self._text.seek(offset)
        self._start_reading(offset, "", count)

    def __iter__(self):
        while True:
            if self._ahead:
                element, end = self._ahead.pop(0)
            else:
                element = self._next_element()
                if element is None:
                    return
                end = self._bytes
            self._yielded += 1
            self._end = end
            yield self._yielded, element

    def _count_bytes(self, upto):
        self._bytes += len(self._buffer[self._counted:upto].encode("utf-8"))
        self._counted = upto

    def _fill(self):
        """Read the next chunk into the buffer; False at the end of the file."""
        if self._eof:
            return False
        with _reading(self._count + 1):
            chunk = self._text.read_chunk(_JSON_CHUNK_CHARS)
        if not chunk:
            self._eof = True
            return False
        if self._pos > _JSON_CHUNK_CHARS:
            self._count_bytes(self._pos)
            self._buffer, self._pos, self._counted = self._buffer[self._pos:], 0, 0
        self._buffer += chunk
        return True

    def _skip_space(self):
        while True:
            self._pos = _JSON_SPACE.match(self._buffer, self._pos).end()
            if self._pos < len(self._buffer) or not self._fill():
                return

    def _next_element(self):
        """The next element flattened, or None after the last one; `_bytes`
        is then where it ends."""
        self._skip_space()
        char = self._buffer[self._pos:self._pos + 1]
        if char == "]":
            return None
        if self._count:
            if char != ",":
                raise RegisterFileError("json", line=self._count + 1,
                                        detail="the array is cut short" if not char else f"',' expected, not {char!r}")
            self._pos += 1
            self._skip_space()
        line = self._count + 1
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
                break
            except json.JSONDecodeError as error:
                # Near the end of the buffer (or in a string not closed yet):
                # the element goes on in the next chunk.
                incomplete = error.msg.startswith("Unterminated string") or error.pos >= len(self._buffer) - 16
                if not incomplete or self._eof:
                    raise RegisterFileError("json", line=line, detail=str(error)) from None
                if len(self._buffer) - self._pos > MAX_ELEMENT_CHARS:
                    raise RegisterFileError("element_too_long", line=line,
                                            detail=f"over {MAX_ELEMENT_CHARS:,} characters") from None
                self._fill()
        if end - self._pos > MAX_ELEMENT_CHARS:
            raise RegisterFileError("element_too_long", line=line, detail=f"over {MAX_ELEMENT_CHARS:,} characters")
        if not isinstance(value, dict):
            raise RegisterFileError("json", line=line, detail="an element of the array is not an object")
        self._pos = end
        self._count_bytes(end)
        self._count += 1
        row = _JsonRow()
        _flatten(value, "", row)
        return row


class RegisterJsonLinesReader:
    """JSON lines: one object per line (a dump of Elasticsearch documents,
    Denmark's CVR), as ``(line number, {field: value})`` flattened as
    `RegisterJsonReader` does; blank lines are skipped.

    Each object is first unwrapped: for each name of `roots` in order, an
    object under that name replaces it (so the whole search hit, its
    ``_source`` or the document itself are read alike). A line over
    MAX_DOCUMENT_BYTES, invalid JSON or anything but an object stop the
    reading with `RegisterFileError` naming the line. `position` and
    `resume` as the other readers.

    Once the loader knows the fields it reads (`select`), only those are
    looked up in each object, by their dotted path: a document's histories
    are never flattened (most of the time of a whole flattening).
    """

    def __init__(self, text, first_line, roots=()):
        self._text = text
        self._roots = tuple(roots)
        self._paths = None          # every field (see `select`)
        self._decode = json.JSONDecoder().decode
        self._line = 1
        self._ahead = []
        line = first_line
        if not line.endswith("\n"):   # the first read is capped: the rest of a long line
            line += self._read_line(1, line)
        self._first_bytes = text.bytes_decoded
        self._ahead.append((1, self._element(line, 1), self._first_bytes))
        while len(self._ahead) < JSON_HEADER_ELEMENTS:
            element = self._next_element()
            if element is None:
                break
            self._ahead.append(element)
        self.header = list(dict.fromkeys(key for _line, element, _end in self._ahead for key in element))
        self._yielded_line, self._yielded_end = 0, 0

    @property
    def position(self):
        """``(bytes, line)``: where the last object read ends."""
        return self._yielded_end, self._yielded_line

    def select(self, names):
        """Give the next objects' fields `names` only (flattened names)."""
        # A tree of the paths, walked once per object: {key: (name or None, {key: ...})}.
        self._paths = {}
        for name in names:
            node = (None, self._paths)
            for key in name.split("."):
                node = node[1].setdefault(key, [None, {}])
            node[0] = name

    def resume(self, position):
        """Go on after the object that ended at `position` (noted earlier)."""
        offset, line = position
        self._text.seek(offset)
        self._ahead = []
        self._line = line
        self._yielded_end, self._yielded_line = offset, line

    def __iter__(self):
        while True:
            if self._ahead:
                item = self._ahead.pop(0)
            else:
                item = self._next_element()
                if item is None:
                    return
            line, element, end = item
            self._yielded_line, self._yielded_end = line, end
            yield line, element

    def _read_line(self, line, start=""):
        """The rest of a line (after `start`), capped at MAX_DOCUMENT_BYTES."""
        read = start
        with _reading(line):
            while not read.endswith("\n"):
                part = self._text.readline(1 << 20)
                if not part:
                    break
                read += part
                if len(read) > MAX_DOCUMENT_BYTES:
                    raise RegisterFileError("document_too_long", line=line,
                                            detail=f"over {MAX_DOCUMENT_BYTES:,} bytes")
        return read[len(start):]

    def _next_element(self):
        """``(line, flattened object, end in bytes)`` of the next object, or None."""
        while True:
            self._line += 1
            text = self._read_line(self._line)
            if not text:
                return None
            if text.strip():
                return self._line, self._element(text, self._line), self._text.bytes_decoded

    def _element(self, text, line):
        try:
            value = self._decode(text)
        except json.JSONDecodeError as error:
            raise RegisterFileError("json_line", line=line, detail=str(error)) from None
        if not isinstance(value, dict):
            raise RegisterFileError("json_line", line=line, detail="a line is not a JSON object")
        for root in self._roots:
            inner = value.get(root)
            if isinstance(inner, dict):
                value = inner
        row = _JsonRow()
        if self._paths is None:
            _flatten(value, "", row)
            return row
        _pick(value, self._paths, row)
        return row


def _pick(value, paths, row):
    """The fields of `paths` (see `RegisterJsonLinesReader.select`) of an
    object into `row`, as `_flatten` gives them (null or absent: empty)."""
    for key, (name, children) in paths.items():
        item = value.get(key)
        if item is None:
            continue
        if type(item) is dict:   # noqa: E721  (exactly a JSON object)
            if children:
                _pick(item, children, row)
        elif name is not None:
            if type(item) is str:   # noqa: E721
                row[name] = item
            elif type(item) is list:   # noqa: E721
                row[name] = ", ".join(_json_text(part) for part in item if not isinstance(part, (dict, list)))
            else:
                row[name] = _json_text(item)


def _flatten(value, prefix, row):
    for key, item in value.items():
        name = prefix + key
        if isinstance(item, dict):
            _flatten(item, name + ".", row)
        elif isinstance(item, list):
            row[name] = ", ".join(_json_text(part) for part in item if not isinstance(part, (dict, list)))
        else:
            row[name] = _json_text(item)


def _json_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _last_row_end(data):
    """Where the last whole row of `data` ends (after its line end), or None:
    at the last line end with an even number of quotes before it."""
    end = data.rfind(b"\n")
    if end < 0:
        return None
    quotes = data.count(b'"', 0, end)
    while quotes % 2:
        previous = data.rfind(b"\n", 0, end)
        if previous < 0:
            return None
        quotes -= data.count(b'"', previous, end)
        end = previous
    return end + 1
