#!/usr/bin/python3
"""Writes the libnss-cache index files for a passwd- or group-format file,
in the format nsscache writes them (nss_cache/caches/files.py, WriteIndex):

    one line per entry, sorted by key in byte order (libnss-cache compares
    with strcmp), each line  KEY \\0 OFFSET \\0 PADDING \\n  where OFFSET is
    the decimal byte offset of the entry's line in the .cache file and
    PADDING is NUL bytes, so that every line has the same length
    (longest key + longest offset + 3): libnss-cache takes the length of
    the first line as the record size and bsearch()es the mmap'd file.

    nsscache_index.py passwd /etc/passwd.cache   -> .ixname, .ixuid
    nsscache_index.py group  /etc/group.cache    -> .ixname, .ixgid

libnss-cache ignores an index older than its .cache file (mtime), so these
are written after the .cache file.
"""
import os
import sys


def write_index(path, pairs):
    pairs.sort(key=lambda p: p[0])
    klen = max(len(k) for k, _ in pairs)
    plen = max(len(p) for _, p in pairs)
    width = klen + plen
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"".join(k + b"\0" + p + b"\0" + b"\0" * (width - len(k) - len(p)) + b"\n"
                         for k, p in pairs))
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


def main():
    kind, cache = sys.argv[1], sys.argv[2]
    idcol = {"passwd": 2, "group": 2}[kind]
    names, ids = [], []
    offset = 0
    with open(cache, "rb") as f:
        for line in f:
            fields = line.split(b":", 3)
            off = str(offset).encode()
            names.append((fields[0], off))
            ids.append((fields[idcol], off))
            offset += len(line)
    write_index(cache + ".ixname", names)
    write_index(cache + (".ixuid" if kind == "passwd" else ".ixgid"), ids)


if __name__ == "__main__":
    main()
