"""Streaming readers for the bulk files of the public business registers.

A register file is a CSV, plain or alone in a zip archive, of millions of
rows: it is read row by row, never loaded whole. Columns are found by their
header (published headers carry stray spaces, and newer files add columns),
never by position. No ORM here: tested against plain files.
"""
import codecs
import csv
import gzip
import io
import zipfile
from contextlib import contextmanager

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"


class RegisterFileError(Exception):
    """The file cannot be read as a whole: nothing of it may be imported.

    ``kind`` says what is wrong (``zip``, ``empty``, ``encoding``, ``structure``,
    ``columns``), ``line`` where (1 is the header), ``detail`` the reader's
    own words.
    """

    def __init__(self, kind, line=None, detail=""):
        super().__init__(f"{kind} at line {line}: {detail}")
        self.kind = kind
        self.line = line
        self.detail = detail


@contextmanager
def open_register_file(binary):
    """The text lines (`DecodedLines`) of a binary file object holding a CSV, plain, zipped
    or gzipped.

    The compression is recognised by the content, not the name (users rename
    downloads); a zip must hold exactly one file.
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
        if len(files) != 1:
            archive.close()
            raise RegisterFileError("zip", detail=f"{len(files)} files in the archive, 1 expected")
        member = archive.open(files[0])
        binary = io.BufferedReader(member)   # its lines read in C, and seekable
    elif head[:2] == GZIP_MAGIC:
        binary = gzip.GzipFile(fileobj=binary, mode="rb")
    try:
        yield DecodedLines(binary)
    finally:
        if member:
            member.close()
            archive.close()


class DecodedLines:
    """The lines of a decompressed file as UTF-8 text (a leading BOM
    dropped), counting the bytes they took: where a row ends can be noted,
    and the file opened again there (`seek`: a plain file jumps, a zip or a
    gzip member is decompressed up to it, never parsed)."""

    def __init__(self, binary):
        self._binary = binary
        self.bytes_read = 0

    def __iter__(self):
        return self

    def __next__(self):
        line = self._binary.readline()
        if not line:
            raise StopIteration
        if not self.bytes_read and line.startswith(codecs.BOM_UTF8):
            self.bytes_read += len(codecs.BOM_UTF8)
            line = line[len(codecs.BOM_UTF8):]
        self.bytes_read += len(line)
        return line.decode("utf-8")

    def seek(self, offset):
        """Go on reading at `offset`, in bytes of the decompressed file."""
        self._binary.seek(offset)
        self.bytes_read = offset


class RegisterCsvReader:
    """Rows of a register CSV as ``(line number, {column: value})``.

    Header names are stripped of spaces. A row whose number of fields differs
    from the header's, an unterminated quote or undecodable bytes mean a
    truncated or damaged file: `RegisterFileError` naming the line.
    """

    def __init__(self, text, delimiter=","):
        self._text = text
        self._reader = csv.reader(text, delimiter=delimiter, strict=True)
        self._skipped_lines = 0   # the lines jumped over by `resume`
        try:
            self.header = [name.strip() for name in self._next_row()]
        except StopIteration:
            raise RegisterFileError("empty", line=1, detail="the file is empty") from None

    @property
    def line_num(self):
        """The number of the last line read (1 is the header)."""
        return self._reader.line_num + self._skipped_lines

    @property
    def position(self):
        """``(bytes, line)``: where the last row read ends, in bytes of the
        decompressed file and in lines."""
        return self._text.bytes_read, self.line_num

    def resume(self, position):
        """Go on after the row that ended at `position` (a `position` noted
        earlier, once the header is read)."""
        offset, line = position
        self._text.seek(offset)
        self._skipped_lines = line - self._reader.line_num

    def _next_row(self):
        try:
            return next(self._reader)
        except csv.Error as error:
            raise RegisterFileError("structure", line=self.line_num, detail=str(error)) from error
        except UnicodeDecodeError as error:
            raise RegisterFileError("encoding", line=self.line_num + 1, detail=str(error)) from error
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            # A zip or gzip cut short or damaged fails while it is read.
            raise RegisterFileError("zip", line=self.line_num + 1, detail=str(error)) from error

    def __iter__(self):
        header = self.header
        width = len(header)
        while True:
            try:
                row = self._next_row()
            except StopIteration:
                return
            if len(row) != width:
                if not row:
                    continue
                raise RegisterFileError(
                    "structure", line=self.line_num,
                    detail=f"{len(row)} fields where the header has {width}",
                )
            yield self.line_num, dict(zip(header, row))
