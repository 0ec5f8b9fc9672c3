"""Real office files for the upload tests, built here: OLE compound files (olefile reads but cannot write
them, so a small writer of the format, [MS-CFB] version 3), OOXML, OFD and zip packages."""

import io
import math
import struct
import zipfile

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
SECTOR = 512
MINI_CUTOFF = 4096


def ole(streams):
    """An OLE compound file holding ``streams`` ({"Macros/VBA/dir": b"...", ...}; parents are storages).

    Every stream is padded to the mini-stream cutoff so that it lives in ordinary sectors (no mini FAT);
    a reader sees the padded size."""
    # The directory: the root, then storages and streams, in the order first seen.
    nodes = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]
    index = {(): 0}
    for path, data in streams.items():
        parts = tuple(path.split("/"))
        for depth in range(1, len(parts) + 1):
            key = parts[:depth]
            if key not in index:
                is_stream = depth == len(parts)
                index[key] = len(nodes)
                nodes.append(
                    {
                        "name": key[-1],
                        "type": 2 if is_stream else 1,
                        "children": [],
                        "data": data.ljust(MINI_CUTOFF, b"\0") if is_stream else b"",
                    }
                )
                nodes[index[key[:-1]]]["children"].append(index[key])
    dir_sectors = math.ceil(len(nodes) * 128 / SECTOR)
    data_sectors = [math.ceil(len(n["data"]) / SECTOR) for n in nodes]
    payload = dir_sectors + sum(data_sectors)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < payload + fat_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109
    fat = [FATSECT] * fat_sectors
    dir_start = len(fat)
    fat += [*range(dir_start + 1, dir_start + dir_sectors), ENDOFCHAIN]
    starts = []
    for count in data_sectors:
        if count == 0:
            starts.append(ENDOFCHAIN)
            continue
        start = len(fat)
        starts.append(start)
        fat += [*range(start + 1, start + count), ENDOFCHAIN]
    fat += [FREESECT] * (fat_sectors * SECTOR // 4 - len(fat))

    # Siblings as a chain to the right, in the order [MS-CFB] compares names (length, then upper case).
    left_right = {}
    child_of = {}
    for i, node in enumerate(nodes):
        kids = sorted(node["children"], key=lambda k: (len(nodes[k]["name"]), nodes[k]["name"].upper()))
        child_of[i] = kids[0] if kids else NOSTREAM
        for a, b in zip(kids, [*kids[1:], NOSTREAM], strict=False):
            left_right[a] = (NOSTREAM, b)
    directory = b""
    for i, node in enumerate(nodes):
        name = node["name"].encode("utf-16-le") + b"\0\0"
        left, right = left_right.get(i, (NOSTREAM, NOSTREAM))
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            node["type"],
            1,  # black
            left,
            right,
            child_of[i],
            b"\0" * 16,
            0,
            0,
            0,
            starts[i],
            len(node["data"]),
        )
    directory = directory.ljust(dir_sectors * SECTOR, b"\0")

    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        fat_sectors,
        dir_start,
        0,
        MINI_CUTOFF,
        ENDOFCHAIN,
        0,
        ENDOFCHAIN,
        0,
    )
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    header += struct.pack("<109I", *difat)
    assert len(header) == SECTOR
    body = struct.pack(f"<{len(fat)}I", *fat) + directory
    for node in nodes:
        body += node["data"].ljust(math.ceil(len(node["data"]) / SECTOR) * SECTOR, b"\0")
    return header + body


def word97(text="全面创新改革举措建议书", macros=False):
    streams = {"WordDocument": b"\xec\xa5\xc1\x00" + text.encode("utf-16-le"), "1Table": b"\0" * 16}
    if macros:
        streams["Macros/VBA/dir"] = b"\x01\x00"
        streams["Macros/PROJECT"] = b'ID="{00000000-0000-0000-0000-000000000000}"'
    return ole(streams)


def excel97(macros=False):
    streams = {"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00", "\x05SummaryInformation": b"\xfe\xff"}
    if macros:
        streams["_VBA_PROJECT_CUR/VBA/_VBA_PROJECT"] = b"\xcc\x61"
    return ole(streams)


def powerpoint97():
    return ole({"PowerPoint Document": b"\x0f\x00\xe8\x03", "Current User": b"\x00"})


def installer():
    """An OLE file that is no document (a Windows Installer database is one)."""
    return ole({"\u4840\u3f3f\u4577": b"\0", "SummaryInformation": b"\0"})


def encrypted_ooxml():
    return ole({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\0" * 64})


def _zip(files, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


_PARTS = {
    "word": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "sheet": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    "slides": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


def ooxml(kind="word", macros=False, extra=None, content_type=None):
    """An OOXML package; ``macros`` adds a vbaProject.bin part, ``content_type`` replaces the main part's."""
    part, usual = _PARTS[kind]
    content_type = content_type or usual
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    )
    files = {
        "[Content_Types].xml": types,
        "_rels/.rels": '<?xml version="1.0"?><Relationships/>',
        part: '<?xml version="1.0"?><document>改革举措</document>',
    }
    if macros:
        files[part.split("/")[0] + "/vbaProject.bin"] = word97()
    files.update(extra or {})
    return _zip(files)


def ofd(valid=True):
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" '
        'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>1</ofd:DocID></ofd:DocInfo>'
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    if not valid:  # an entity expansion: defusedxml refuses it
        xml = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><ofd:OFD xmlns:ofd="x">&a;</ofd:OFD>'
    return _zip({"OFD.xml": xml, "Doc_0/Document.xml": "<ofd:Document/>"})


def package(files, compression=zipfile.ZIP_DEFLATED):
    """A .zip the user made: {name: bytes}."""
    return _zip(files, compression)


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 100
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
