"""Receive an uploaded file: streamed to disk, refused with 413 as soon as it passes the limit.

Starlette's own form parser spools a whole file before the route sees it;
this parses the multipart stream itself (python-multipart, the parser
Starlette uses) so an oversized upload is refused while it streams in,
before it is parsed as a workbook or stored whole (portal.md "Limits and safety").
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from connector_rollup.portal.uploads import UploadError

MULTIPART_OVERHEAD = 64 * 1024  # headers and boundaries around the file, and any small fields


def too_large(limit: int) -> UploadError:
    return UploadError(
        413,
        "too_large",
        f"The file is larger than {limit // (1024 * 1024)} MB: remove empty rows and "
        "unused sheets, or send the quarter's rows only, then upload it again.",
    )


async def receive_file(
    request: Request, folder: Path, limit: int, field: str = "file"
) -> tuple[str | None, Path, dict[str, str]]:
    """The client's file name, the temporary file holding the ``field`` part, and the small fields.

    Raises ``UploadError`` 413 past ``limit`` bytes (by Content-Length before
    anything is read, else while streaming) and 400 when the request holds no
    such file; the temporary file is then removed. The caller owns the
    returned file.
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
        raise too_large(limit)
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise UploadError(
            400,
            "bad_request",
            f"Send the workbook as multipart/form-data, in a field named '{field}'.",
        )
    folder.mkdir(parents=True, exist_ok=True)
    out = tempfile.NamedTemporaryFile(dir=folder, suffix=".upload", delete=False)
    state = {"headers": {}, "name": b"", "value": b"", "part": None, "file": None, "size": 0}
    fields: dict[str, bytearray] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["name"].lower()] = state["value"]
        state["name"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        if name == field and filename is not None and state["file"] is None:
            state["part"] = "file"
            state["file"] = filename.decode("utf-8", "replace")
        else:
            state["part"] = name
            fields.setdefault(name, bytearray())
        state["headers"] = {}

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["part"] == "file":
            state["size"] += end - start
            if state["size"] > limit:
                raise too_large(limit)
            out.write(data[start:end])
        elif state["part"] is not None:
            value = fields[state["part"]]
            if len(value) + end - start > MULTIPART_OVERHEAD:
                raise UploadError(400, "bad_request", "A form field is too long.")
            value += data[start:end]

    def on_part_end() -> None:
        state["part"] = None

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    received = 0
    try:
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit + MULTIPART_OVERHEAD:
                    raise too_large(limit)
                parser.write(chunk)
            parser.finalize()
        except MultipartParseError:
            raise UploadError(
                400,
                "upload_broken",
                "The upload arrived broken: choose the file and upload it again.",
            ) from None
        if state["file"] is None:
            raise UploadError(
                400,
                "bad_request",
                f"The request holds no file: send it in a field named '{field}'.",
            )
    except BaseException:
        out.close()
        Path(out.name).unlink(missing_ok=True)
        raise
    out.close()
    text = {k: bytes(v).decode("utf-8", "replace") for k, v in fields.items()}
    return state["file"], Path(out.name), text
