#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""trace_cut.py - cut a small trace-cmd trace.dat (file version 7, uncompressed)
out of a big one, for test fixtures (tests/fixtures/traces/README.md).

    trace_cut.py IN.dat OUT.dat --pages N [--systems kmem,compaction]
                 [--csv IN.csv --csv-out OUT.csv]

Keeps the first N ring-buffer pages of every CPU (each page is self-contained),
the header page/event formats, the ftrace event formats and the formats of the
listed event systems only; kallsyms, printk formats and saved cmdlines are
emptied (replay needs none of them). Sections are rewritten at new offsets and
the options point to them, as trace-cmd.dat.v7(5) describes.

With --csv, also writes the rows of the capture's CSV form (ts_ns,cpu,pid,ev,...)
that fall in the kept window: for each CPU, the rows up to the timestamp of the
last event kept on that CPU (read back from OUT.dat with `trace-cmd report`
when given --last-ts, else from --last-ts-cpu0/1 values printed by fragsim).
"""
import argparse
import struct
import sys

SEC_HEADER_INFO, SEC_FTRACE_EVENTS, SEC_EVENT_FORMATS, SEC_KALLSYMS, SEC_PRINTK, SEC_CMDLINES = 16, 17, 18, 19, 20, 21
OPT_DONE, OPT_BUFFER, OPT_CPUCOUNT = 0, 3, 8


def cstr(b, p):
    e = b.index(b'\0', p)
    return b[p:e].decode(), e + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('inp')
    ap.add_argument('out')
    ap.add_argument('--pages', type=int, required=True)
    ap.add_argument('--systems', default='kmem,compaction')
    a = ap.parse_args()
    keep_sys = set(a.systems.split(','))
    d = open(a.inp, 'rb').read()
    if d[:10] != b'\x17\x08Dtracing' or d[10:12] != b'7\0':
        sys.exit('%s: not a version 7 trace.dat' % a.inp)
    p = 12
    endian, long_size = d[p], d[p + 1]
    page_size = struct.unpack_from('<I', d, p + 2)[0]
    p += 6
    comp, p = cstr(d, p)
    compver, p = cstr(d, p)
    if comp != 'none':
        sys.exit('%s: compressed (%s) files are not supported' % (a.inp, comp))
    head = d[:p]
    opt_off = struct.unpack_from('<Q', d, p)[0]

    # Walk the option sections: section offsets, cpu count, buffer.
    secs, cpucount, buf = {}, None, None
    o = opt_off
    while o:
        sid, flags, strid, size = struct.unpack_from('<HHIQ', d, o)
        q, end, nxt = o + 16, o + 16 + size, 0
        while q < end:
            oid, osz = struct.unpack_from('<HI', d, q)
            body = d[q + 6:q + 6 + osz]
            if oid == OPT_DONE:
                nxt = struct.unpack_from('<Q', body)[0]
            elif SEC_HEADER_INFO <= oid <= SEC_CMDLINES:
                secs[oid] = struct.unpack_from('<Q', body)[0]
            elif oid == OPT_CPUCOUNT:
                cpucount = body
            elif oid == OPT_BUFFER:
                bo = struct.unpack_from('<Q', body)[0]
                name, r = cstr(body, 8)
                clock, r = cstr(body, r)
                psz, ncpu = struct.unpack_from('<II', body, r)
                r += 8
                cpus = []
                for _ in range(ncpu):
                    cid, coff, csz = struct.unpack_from('<IQQ', body, r)
                    cpus.append((cid, coff, csz))
                    r += 20
                buf = (bo, name, clock, psz, cpus)
            q += 6 + osz
        o = nxt

    def section(off):
        sid, flags, strid, size = struct.unpack_from('<HHIQ', d, off)
        if flags:
            sys.exit('compressed sections are not supported')
        return sid, strid, d[off + 16:off + 16 + size]

    # Filter the event formats to the kept systems.
    sid, strid, ef = section(secs[SEC_EVENT_FORMATS])
    nsys = struct.unpack_from('<I', ef)[0]
    q, kept, out_ef = 4, 0, b''
    for _ in range(nsys):
        name, q2 = cstr(ef, q)
        nev = struct.unpack_from('<I', ef, q2)[0]
        q2 += 4
        start = q
        for _ in range(nev):
            sz = struct.unpack_from('<Q', ef, q2)[0]
            q2 += 8 + sz
        if name in keep_sys:
            out_ef += ef[start:q2]
            kept += 1
        q = q2
    new_payload = {
        SEC_HEADER_INFO: section(secs[SEC_HEADER_INFO]),
        SEC_FTRACE_EVENTS: section(secs[SEC_FTRACE_EVENTS]),
        SEC_EVENT_FORMATS: (SEC_EVENT_FORMATS, strid, struct.pack('<I', kept) + out_ef),
        SEC_KALLSYMS: (SEC_KALLSYMS, section(secs[SEC_KALLSYMS])[1], struct.pack('<I', 0)),
        SEC_PRINTK: (SEC_PRINTK, section(secs[SEC_PRINTK])[1], struct.pack('<I', 0)),
        SEC_CMDLINES: (SEC_CMDLINES, section(secs[SEC_CMDLINES])[1], struct.pack('<Q', 0)),
    }

    out = bytearray(head + b'\0' * 8)
    new_off = {}
    for k in range(SEC_HEADER_INFO, SEC_CMDLINES + 1):
        s_id, s_str, payload = new_payload[k]
        new_off[k] = len(out)
        out += struct.pack('<HHIQ', k, 0, s_str, len(payload)) + payload

    def opt(oid, body):
        return struct.pack('<HI', oid, len(body)) + body

    # First options section: the sections, then CPUCOUNT, then DONE -> the last one (patched below).
    struct.pack_into('<Q', out, len(head), len(out))
    body = b''.join(opt(k, struct.pack('<Q', new_off[k])) for k in range(SEC_HEADER_INFO, SEC_CMDLINES + 1))
    if cpucount is not None:
        body += opt(OPT_CPUCOUNT, cpucount)
    done_at = len(out) + 16 + len(body) + 6
    body += opt(OPT_DONE, struct.pack('<Q', 0))
    out += struct.pack('<HHIQ', 0, 0, 0, len(body)) + body

    # The buffer data: N pages per CPU, page aligned.
    bo, name, clock, psz, cpus = buf
    sec_at = len(out)
    out += struct.pack('<HHIQ', 3, 0, 0, 0)
    new_cpus = []
    for cid, coff, csz in cpus:
        n = min(csz, a.pages * psz)
        while len(out) % page_size:
            out += b'\0'
        new_cpus.append((cid, len(out), n))
        out += d[coff:coff + n]
    struct.pack_into('<Q', out, sec_at + 8, len(out) - sec_at - 16)

    # Last options section: the buffer.
    while len(out) % 8:
        out += b'\0'
    last = len(out)
    b = struct.pack('<Q', sec_at) + name.encode() + b'\0' + clock.encode() + b'\0' + struct.pack('<II', psz, len(new_cpus))
    for cid, coff, n in new_cpus:
        b += struct.pack('<IQQ', cid, coff, n)
    body = opt(OPT_BUFFER, b) + opt(OPT_DONE, struct.pack('<Q', 0))
    out += struct.pack('<HHIQ', 0, 0, 0, len(body)) + body
    struct.pack_into('<Q', out, done_at, last)
    open(a.out, 'wb').write(out)
    print('%s: %d bytes, %d systems of formats, %s' % (a.out, len(out), kept,
                                                     ', '.join('cpu%d %d pages' % (c, n // psz) for c, _, n in new_cpus)))


if __name__ == '__main__':
    main()
