#!/usr/bin/env python3
"""gen_codec.py - writes the C codec and API table from common/schema/apis.schema.

Usage: gen_codec.py SCHEMA OUTDIR

Writes OUTDIR/proto_gen.h and OUTDIR/proto_gen.c (build outputs, never
committed): for every message a C struct per struct level, a field
descriptor table walked by common/msgcodec.c, and wrappers
<prefix>_{req,resp}[_<struct>]_init() and <prefix>_{req,resp}_{decode,
encode,size,free}(); then the API table (sk_api_rows, see apis.h) and the
handler list SK_API_HANDLERS(X) used by broker/api/dispatch.c. The format of the
schema is described at the top of the schema file.
"""
import os
import re
import sys

PRIM = {
    'bool': ('SK_FT_BOOL', 'int'),
    'int8': ('SK_FT_INT8', 'int8_t'),
    'int16': ('SK_FT_INT16', 'int16_t'),
    'uint16': ('SK_FT_UINT16', 'uint16_t'),
    'int32': ('SK_FT_INT32', 'int32_t'),
    'uint32': ('SK_FT_UINT32', 'uint32_t'),
    'int64': ('SK_FT_INT64', 'int64_t'),
    'float64': ('SK_FT_FLOAT64', 'double'),
    'uuid': ('SK_FT_UUID', 'uint8_t'),
    'string': ('SK_FT_STRING', 'sk_str_t'),
    'bytes': ('SK_FT_BYTES', 'sk_str_t'),
    'records': ('SK_FT_RECORDS', 'sk_str_t'),
}
VER_INF = 'SK_VER_INF'
IDENT = re.compile(r'^[A-Za-z][A-Za-z0-9]*$')
CNAME = re.compile(r'^[a-z][a-z0-9_]*$')


class SchemaError(Exception):
    pass


def parse_versions(s, where):
    """'N+' / 'N-M' / 'N' -> (lo, hi) with hi None for open-ended."""
    m = re.match(r'^(\d+)(\+|-(\d+))?$', s)
    if not m:
        raise SchemaError('%s: bad version range %r' % (where, s))
    lo = int(m.group(1))
    if m.group(2) == '+':
        return lo, None
    hi = int(m.group(3)) if m.group(3) else lo
    if hi < lo:
        raise SchemaError('%s: empty version range %r' % (where, s))
    return lo, hi


class Struct:
    def __init__(self, cname):
        self.cname = cname
        self.fields = []


class Field:
    pass


class Message:
    def __init__(self, kind):
        self.kind = kind  # 'request' / 'response'
        self.top = Struct('')
        self.structs = {}  # cname -> Struct (nested)


class Api:
    pass


def parse_field(text, where):
    parts = text.split()
    if len(parts) < 3:
        raise SchemaError('%s: a field needs NAME TYPE VERSIONS' % where)
    f = Field()
    f.name, ty, vers = parts[0], parts[1], parts[2]
    if not IDENT.match(f.name):
        raise SchemaError('%s: bad field name %r' % (where, f.name))
    f.array = ty.startswith('[]')
    f.base = ty[2:] if f.array else ty
    if f.base not in PRIM and not CNAME.match(f.base):
        raise SchemaError('%s: bad type %r' % (where, ty))
    f.versions = parse_versions(vers, where)
    f.nullable = None
    f.tag = None
    f.tagged = None
    f.default = None
    f.ignorable = False
    for a in parts[3:]:
        if a.startswith('null='):
            f.nullable = parse_versions(a[5:], where)
        elif a.startswith('tag='):
            m = re.match(r'^tag=(\d+)@(.+)$', a)
            if not m:
                raise SchemaError('%s: bad tag %r' % (where, a))
            f.tag = int(m.group(1))
            f.tagged = parse_versions(m.group(2), where)
        elif a.startswith('default='):
            f.default = a[8:]
        elif a == 'ignorable':
            f.ignorable = True
        else:
            raise SchemaError('%s: unknown attribute %r' % (where, a))
    f.struct = None
    return f


def parse(path):
    apis = []
    api = None
    msg = None
    stack = []  # (indent, Struct)
    with open(path, encoding='utf-8') as fh:
        lines = fh.read().split('\n')
    for n, raw in enumerate(lines, 1):
        where = '%s:%d' % (path, n)
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        ind = len(line) - len(line.lstrip(' '))
        text = line.strip()
        if ind == 0:
            m = re.match(r'^api (\d+) ([A-Za-z]+) versions (\S+) flexible (\S+) handler ([a-z_]+)'
                         r'(?: legacy (\S+))?$', text)
            if not m:
                raise SchemaError('%s: bad api line' % where)
            api = Api()
            api.key = int(m.group(1))
            api.name = m.group(2)
            api.valid = parse_versions(m.group(3), where)
            if api.valid[1] is None:
                raise SchemaError('%s: versions must be closed' % where)
            fl = m.group(4)
            if fl == 'none':
                api.flex = -1
            else:
                lo, hi = parse_versions(fl, where)
                if hi is not None:
                    raise SchemaError('%s: flexible must be N+ or none' % where)
                api.flex = lo
            api.handler = m.group(5)
            api.legacy = parse_versions(m.group(6), where) if m.group(6) else None
            if api.legacy and (api.legacy[1] is None or api.legacy[0] < api.valid[0] or
                               api.legacy[1] > api.valid[1]):
                raise SchemaError('%s: legacy range outside versions' % where)
            api.msgs = {}
            apis.append(api)
            msg = None
            continue
        if api is None:
            raise SchemaError('%s: field outside an api' % where)
        if ind == 2:
            if text not in ('request', 'response') or text in api.msgs:
                raise SchemaError('%s: expected request or response' % where)
            msg = Message(text)
            api.msgs[text] = msg
            stack = [(2, msg.top)]
            continue
        if msg is None or ind % 2 or ind < 4:
            raise SchemaError('%s: bad indentation' % where)
        while stack and stack[-1][0] >= ind:
            stack.pop()
        if not stack or stack[-1][0] != ind - 2:
            raise SchemaError('%s: bad indentation' % where)
        parent = stack[-1][1]
        if parent is None:
            raise SchemaError('%s: fields under a primitive or reused struct' % where)
        f = parse_field(text, where)
        if f.tag is not None and any(g.tag == f.tag for g in parent.fields):
            raise SchemaError('%s: duplicate tag %d' % (where, f.tag))
        if any(g.name == f.name for g in parent.fields):
            raise SchemaError('%s: duplicate field %s' % (where, f.name))
        parent.fields.append(f)
        child = None
        if f.base not in PRIM:
            nxt = next((ln for ln in lines[n:] if ln.strip() and not ln.lstrip().startswith('#')), '')
            has_children = len(nxt) - len(nxt.lstrip(' ')) > ind
            if has_children:
                if f.base in msg.structs:
                    raise SchemaError('%s: struct %s defined twice' % (where, f.base))
                child = Struct(f.base)
                msg.structs[f.base] = child
            elif f.base not in msg.structs:
                raise SchemaError('%s: struct %s is not defined before' % (where, f.base))
            f.struct = child or msg.structs[f.base]
        stack.append((ind, child))
    for api in apis:
        for kind in ('request', 'response'):
            if kind not in api.msgs:
                raise SchemaError('%s: api %s has no %s' % (path, api.name, kind))
    keys = [a.key for a in apis]
    if keys != sorted(set(keys)):
        raise SchemaError('%s: api keys must be unique and ascending' % path)
    return apis


def prefix(api):
    return ('sk_gen_' if api.legacy else 'sk_') + api.name.lower()


def ver_c(v):
    return VER_INF if v is None else str(v)


def post_order(struct, seen, out):
    for f in struct.fields:
        if f.struct is not None and id(f.struct) not in seen:
            seen.add(id(f.struct))
            post_order(f.struct, seen, out)
            out.append(f.struct)


def ctype_of(f, mp):
    if f.struct is not None:
        return '%s_%s_t' % (mp, f.struct.cname)
    return PRIM[f.base][1]


def default_c(f, where):
    d = f.default
    if d is None:
        return '0', '0.0', '0'
    if d == 'null':
        if f.base not in ('string', 'bytes', 'records') and not f.array:
            raise SchemaError('%s: null default of a %s' % (where, f.base))
        return '0', '0.0', '1'
    if d in ('true', 'false'):
        return ('1' if d == 'true' else '0'), '0.0', '0'
    if f.base == 'float64':
        return '0', repr(float(d)), '0'
    try:
        v = int(d, 0)
    except ValueError:
        raise SchemaError('%s: bad default %r' % (where, d))
    return ('INT64_C(%d)' % v), '0.0', '0'


def gen_struct_decl(h, s, sname, mp):
    h.append('typedef struct %s {' % sname[:-2])
    for f in s.fields:
        ct = ctype_of(f, mp)
        if f.array:
            h.append('    %s *%s;' % (ct, f.name))
            h.append('    int32_t %sCnt;' % f.name)
        elif f.base == 'uuid':
            h.append('    uint8_t %s[16];' % f.name)
        else:
            h.append('    %s %s;' % (ct, f.name))
    if not s.fields:
        h.append('    char unused_; /* no fields */')
    h.append('} %s;' % sname)
    h.append('')


def gen_desc(c, s, sname, dname, mp, top_api, where):
    rows = []
    for f in s.fields:
        ft = 'SK_FT_STRUCT' if f.struct is not None else PRIM[f.base][0]
        nl = f.nullable or (-1, -1)
        tg = f.tagged or (-1, -1)
        di, dd, dn = default_c(f, '%s %s' % (where, f.name))
        cnt = 'offsetof(%s, %sCnt)' % (sname, f.name) if f.array else '0'
        sub = '&%s_%s_desc' % (mp, f.struct.cname) if f.struct is not None else 'NULL'
        rows.append('    {"%s", %s, %d, %d, %d, %s, %s, %s, %s, %s, %d, offsetof(%s, %s), %s, %s, '
                    '%s, %s, %s},' % (
                        f.name, ft, int(f.array), int(f.ignorable), f.versions[0],
                        ver_c(f.versions[1]), nl[0], ver_c(nl[1]) if nl[0] >= 0 else '-1',
                        tg[0], ver_c(tg[1]) if tg[0] >= 0 else '-1',
                        f.tag if f.tag is not None else -1, sname, f.name, cnt, sub, di, dd, dn))
    fields_name = '%s_fields' % dname
    if rows:
        c.append('static const sk_msgfield_t %s[] = {' % fields_name)
        c.extend(rows)
        c.append('};')
    storage = '' if top_api else 'static '
    if top_api:
        api, kind = top_api
        tail = '%d, %d, %d' % (api.valid[0], api.valid[1], api.flex)
        mname = api.name + kind.capitalize()
    else:
        tail = '0, 0, -1'
        mname = s.cname
    c.append('%sconst sk_msgdesc_t %s = {"%s", sizeof(%s), %s, %d, %s};' % (
        storage, dname, mname, sname, fields_name if rows else 'NULL', len(rows), tail))
    c.append('')


def generate(apis, schema_name):
    h = ['/* proto_gen.h - GENERATED by common/schema/gen_codec.py from %s.' % schema_name,
         ' * Do not edit; a build output. See common/msgcodec.h for the C shapes. */',
         '#ifndef SK_PROTO_GEN_H', '#define SK_PROTO_GEN_H', '#include <stddef.h>',
         '#include <stdint.h>', '', '#include "apis.h"', '#include "arena.h"',
         '#include "kbuf.h"', '#include "msgcodec.h"', '']
    c = ['/* proto_gen.c - GENERATED by common/schema/gen_codec.py from %s. */' % schema_name,
         '#include "proto_gen.h"', '', '#include <stddef.h>', '']
    for api in apis:
        p = prefix(api)
        h.append('/* ---- %s (key %d), versions %d-%d, flexible %s%s ---- */' % (
            api.name, api.key, api.valid[0], api.valid[1],
            '%d+' % api.flex if api.flex >= 0 else 'none',
            ', legacy codec in use (advertised %d-%d)' % api.legacy if api.legacy else ''))
        if not api.legacy:
            # compile-time copies of the table's range for static tables
            # (tests, fuzzers); FLEX_VER above MAX_VER means never flexible
            up = api.name.upper()
            h.append('#define SK_%s_MIN_VER %d' % (up, api.valid[0]))
            h.append('#define SK_%s_MAX_VER %d' % (up, api.valid[1]))
            h.append('#define SK_%s_FLEX_VER %d' % (
                up, api.flex if api.flex >= 0 else api.valid[1] + 1))
        for kind, short in (('request', 'req'), ('response', 'resp')):
            msg = api.msgs[kind]
            mp = '%s_%s' % (p, short)
            where = '%s %s' % (api.name, kind)
            nested = []
            post_order(msg.top, set(), nested)
            for s in nested:
                gen_struct_decl(h, s, '%s_%s_t' % (mp, s.cname), mp)
            gen_struct_decl(h, msg.top, '%s_t' % mp, mp)
            for s in nested:
                gen_desc(c, s, '%s_%s_t' % (mp, s.cname), '%s_%s_desc' % (mp, s.cname), mp,
                         None, where)
            gen_desc(c, msg.top, '%s_t' % mp, '%s_desc' % mp, mp, (api, kind), where)
            h.append('extern const sk_msgdesc_t %s_desc;' % mp)
            h.append('int %s_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, %s_t *out);'
                     % (mp, mp))
            h.append('int %s_encode(sk_wr_t *w, int16_t version, const %s_t *in);' % (mp, mp))
            h.append('int %s_size(int16_t version, const %s_t *in, size_t *size);' % (mp, mp))
            h.append('void %s_free(%s_t *m);' % (mp, mp))
            h.append('void %s_init(%s_t *m);' % (mp, mp))
            c.append('int %s_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, %s_t *out)'
                     % (mp, mp))
            c.append('{\n    return sk_msg_decode(&%s_desc, version, r, a, out);\n}\n' % mp)
            c.append('int %s_encode(sk_wr_t *w, int16_t version, const %s_t *in)' % (mp, mp))
            c.append('{\n    return sk_msg_encode(&%s_desc, version, w, in);\n}\n' % mp)
            c.append('int %s_size(int16_t version, const %s_t *in, size_t *size)' % (mp, mp))
            c.append('{\n    return sk_msg_size(&%s_desc, version, in, size);\n}\n' % mp)
            c.append('void %s_free(%s_t *m)' % (mp, mp))
            c.append('{\n    sk_msg_free(&%s_desc, m);\n}\n' % mp)
            c.append('void %s_init(%s_t *m)' % (mp, mp))
            c.append('{\n    sk_msg_init(&%s_desc, m);\n}\n' % mp)
            for s in nested:
                sp = '%s_%s' % (mp, s.cname)
                h.append('void %s_init(%s_t *m);' % (sp, sp))
                c.append('void %s_init(%s_t *m)' % (sp, sp))
                c.append('{\n    sk_msg_init(&%s_desc, m);\n}\n' % sp)
            h.append('')
    # the API table
    c.append('const sk_api_t sk_api_rows[] = {')
    for api in apis:
        lo, hi = api.legacy or api.valid
        p = prefix(api)
        c.append('    {%d, "%s", %d, %d, %d, %d, %d, &%s_req_desc, &%s_resp_desc, %d},' % (
            api.key, api.name, lo, hi, api.flex, api.valid[0], api.valid[1], p, p,
            0 if api.legacy else 1))
    c.append('};')
    c.append('const size_t sk_api_nrows = sizeof(sk_api_rows) / sizeof(sk_api_rows[0]);')
    h.append('/* Every API key with its broker handler, sk_api_<handler>(): X(key, handler). */')
    h.append('#define SK_API_HANDLERS(X) \\')
    for api in apis:
        h.append('    X(%d, %s) \\' % (api.key, api.handler))
    h.append('')
    h.append('#endif')
    return '\n'.join(h) + '\n', '\n'.join(c) + '\n'


def write_if_changed(path, text):
    try:
        with open(path, encoding='utf-8') as fh:
            if fh.read() == text:
                return
    except OSError:
        pass
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write('usage: gen_codec.py SCHEMA OUTDIR\n')
        return 2
    try:
        apis = parse(argv[1])
        h, c = generate(apis, os.path.basename(argv[1]))
    except (SchemaError, OSError) as e:
        sys.stderr.write('gen_codec.py: %s\n' % e)
        return 1
    os.makedirs(argv[2], exist_ok=True)
    write_if_changed(os.path.join(argv[2], 'proto_gen.h'), h)
    write_if_changed(os.path.join(argv[2], 'proto_gen.c'), c)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
