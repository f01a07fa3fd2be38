/* gunzip.c: gzip streams through ISA-L's isal_inflate (see gunzip.h). */
#include "gunzip.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define GZIP_TRAILER_BYTES 8
#define GZIP_FIXED_HEADER_BYTES 10
/* RFC 1952 2.3.1 FLG bits. */
#define FLAG_HCRC 0x02
#define FLAG_EXTRA 0x04
#define FLAG_NAME 0x08
#define FLAG_COMMENT 0x10
#define FLAGS_RESERVED 0xe0

/* Where the header parser is: isal_inflate parses headers too, but checks
 * FHCRC only when the header arrives in one piece, so a stream's verdict
 * would depend on how its input is cut. */
typedef enum {
  HEADER_FIXED,
  HEADER_EXTRA_LEN,
  HEADER_EXTRA,
  HEADER_NAME,
  HEADER_COMMENT,
  HEADER_CRC,
  HEADER_DONE,
} header_state;

typedef struct gzip_header {
  header_state state;
  uint8_t bytes[GZIP_FIXED_HEADER_BYTES]; /* ID1 ID2 CM FLG MTIME XFL OS */
  size_t have;                            /* bytes of the current field read */
  size_t extra_left;                      /* XLEN, then what is left of it */
  uint16_t hcrc;                          /* FHCRC as read */
  uint32_t crc;                           /* CRC32 of the header so far */
} gzip_header;

struct sc_gunzip {
  struct inflate_state state;
  sc_gunzip_source source;
  void *user;
  const uint8_t *in; /* what is left of the source's current buffer */
  size_t in_len;
  bool source_done;
  bool in_member; /* a member's first byte was read, its trailer not yet */
  gzip_header header;
  uint64_t members;
  /* The last bytes inflate consumed: at a member's end, its trailer
   * (isal_inflate reads exactly up to the trailer's last byte). */
  uint8_t tail[GZIP_TRAILER_BYTES];
};

sc_gunzip *sc_gunzip_new(sc_gunzip_source source, void *user)
{
  sc_gunzip *z = xcalloc(1, sizeof *z);
  z->source = source;
  z->user = user;
  return z;
}

void sc_gunzip_free(sc_gunzip *z)
{
  free(z);
}

uint64_t sc_gunzip_members(const sc_gunzip *z)
{
  return z->members;
}

static void remember_tail(sc_gunzip *z, const uint8_t *consumed, size_t n)
{
  if (n >= GZIP_TRAILER_BYTES) {
    memcpy(z->tail, consumed + n - GZIP_TRAILER_BYTES, GZIP_TRAILER_BYTES);
    return;
  }
  memmove(z->tail, z->tail + n, GZIP_TRAILER_BYTES - n);
  memcpy(z->tail + GZIP_TRAILER_BYTES - n, consumed, n);
}

static uint32_t le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The member's trailer against what was inflated: isal_inflate checks it
 * too, but says only "incorrect checksum"; this says which and by how much. */
static int check_trailer(const sc_gunzip *z, sc_error *err)
{
  uint32_t crc = le32(z->tail), isize = le32(z->tail + 4);
  if (crc != z->state.crc)
    return sc_error_set(err, SC_E_INVALID,
                        "gzip member %llu: the CRC32 of its data is %08x, its trailer says %08x: "
                        "the data is corrupt",
                        (unsigned long long)z->members + 1, z->state.crc, crc);
  if (isize != z->state.total_out)
    return sc_error_set(
        err, SC_E_INVALID,
        "gzip member %llu: it has %u bytes (mod 2^32), its trailer's ISIZE says %u: "
        "the data is corrupt",
        (unsigned long long)z->members + 1, z->state.total_out, isize);
  return 0;
}

static const char *inflate_problem(int r)
{
  switch (r) {
  case ISAL_NEED_DICT:
    return "a preset dictionary, which gzip never has";
  default:
    return "invalid deflate data";
  }
}

/* More input when the current buffer is used up; false at the source's end. */
static int fill_input(sc_gunzip *z, sc_error *err)
{
  if (z->in_len > 0 || z->source_done)
    return 0;
  const void *buf = NULL;
  ssize_t n = z->source(z->user, &buf, err);
  if (n < 0)
    return -1;
  if (n == 0)
    z->source_done = true;
  z->in = buf;
  z->in_len = (size_t)n;
  return 0;
}

/* A member starts here: its first byte must be gzip's. */
static int start_member(sc_gunzip *z, sc_error *err)
{
  if (z->in[0] != 0x1f)
    return z->members == 0
               ? sc_error_set(err, SC_E_INVALID, "not gzip data (no gzip magic number)")
               : sc_error_set(err, SC_E_INVALID,
                              "data after gzip member %llu that is not another gzip member",
                              (unsigned long long)z->members);
  z->header = (gzip_header){0};
  isal_inflate_reset(&z->state);
  /* Raw deflate after our header; CRC32 computed and, with ISIZE, checked. */
  z->state.crc_flag = ISAL_GZIP_NO_HDR_VER;
  z->in_member = true;
  return 0;
}

static int header_error(const sc_gunzip *z, const char *what, sc_error *err)
{
  return sc_error_set(err, SC_E_INVALID, "gzip member %llu: %s", (unsigned long long)z->members + 1,
                      what);
}

/* The fixed header is complete: ID1 ID2 CM FLG MTIME XFL OS. */
static int check_fixed_header(sc_gunzip *z, sc_error *err)
{
  const uint8_t *b = z->header.bytes;
  if (b[1] != 0x8b)
    return header_error(z, "not a valid gzip header", err);
  if (b[2] != 8)
    return header_error(z, "a compression method other than deflate", err);
  if (b[3] & FLAGS_RESERVED)
    return header_error(z, "reserved gzip header flags set", err);
  return 0;
}

/* The state after the one that just ended, by FLG. */
static header_state next_field(header_state done, uint8_t flags)
{
  static const struct {
    header_state state;
    uint8_t flag;
  } order[] = {{HEADER_EXTRA_LEN, FLAG_EXTRA},
               {HEADER_NAME, FLAG_NAME},
               {HEADER_COMMENT, FLAG_COMMENT},
               {HEADER_CRC, FLAG_HCRC}};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    if (order[i].state > done && (flags & order[i].flag))
      return order[i].state;
  return HEADER_DONE;
}

/* One header byte. */
static int header_byte(sc_gunzip *z, uint8_t c, sc_error *err)
{
  gzip_header *h = &z->header;
  uint8_t flags = h->state == HEADER_FIXED ? 0 : h->bytes[3];
  if (h->state != HEADER_CRC)
    h->crc = crc32_gzip_refl(h->crc, &c, 1);
  switch (h->state) {
  case HEADER_FIXED:
    h->bytes[h->have++] = c;
    if (h->have < GZIP_FIXED_HEADER_BYTES)
      return 0;
    if (check_fixed_header(z, err) < 0)
      return -1;
    h->have = 0;
    h->state = next_field(HEADER_FIXED, h->bytes[3]);
    return 0;
  case HEADER_EXTRA_LEN:
    h->extra_left |= (size_t)c << (8 * h->have++);
    if (h->have < 2)
      return 0;
    h->have = 0;
    h->state = h->extra_left ? HEADER_EXTRA : next_field(HEADER_EXTRA, flags);
    return 0;
  case HEADER_EXTRA:
    if (--h->extra_left == 0)
      h->state = next_field(HEADER_EXTRA, flags);
    return 0;
  case HEADER_NAME:
  case HEADER_COMMENT:
    if (c == 0)
      h->state = next_field(h->state, flags);
    return 0;
  case HEADER_CRC: /* the low 16 bits of the CRC32 of the header before it */
    h->hcrc |= (uint16_t)(c << (8 * h->have++));
    if (h->have < 2)
      return 0;
    if (h->hcrc != (h->crc & 0xffff))
      return header_error(z, "a bad gzip header checksum (FHCRC)", err);
    h->state = HEADER_DONE;
    return 0;
  default:
    return 0;
  }
}

/* Header bytes from the input until the header is complete. */
static int parse_header(sc_gunzip *z, sc_error *err)
{
  while (z->header.state != HEADER_DONE && z->in_len > 0) {
    uint8_t c = *z->in++;
    z->in_len--;
    if (header_byte(z, c, err) < 0)
      return -1;
  }
  return 0;
}

/* One isal_inflate call into out[*produced..cap). */
static int inflate_some(sc_gunzip *z, uint8_t *out, size_t cap, size_t *produced, sc_error *err)
{
  size_t in_len = z->in_len > UINT32_MAX ? UINT32_MAX : z->in_len;
  size_t out_len = cap - *produced > UINT32_MAX ? UINT32_MAX : cap - *produced;
  z->state.next_in = (uint8_t *)z->in;
  z->state.avail_in = (uint32_t)in_len;
  z->state.next_out = out + *produced;
  z->state.avail_out = (uint32_t)out_len;
  int r = isal_inflate(&z->state);
  /* On some errors isal_inflate hands back bytes it had buffered from
   * earlier input: avail_in grows past what it was given. */
  if (z->state.avail_in > in_len)
    return sc_error_set(err, SC_E_INVALID, "gzip member %llu: %s",
                        (unsigned long long)z->members + 1,
                        r < 0 ? inflate_problem(r) : "inflate went back in its input");
  size_t consumed = in_len - z->state.avail_in, made = out_len - z->state.avail_out;
  remember_tail(z, z->in, consumed);
  z->in += consumed;
  z->in_len -= consumed;
  *produced += made;
  bool finished = z->state.block_state == ISAL_BLOCK_FINISH;
  if (r == ISAL_INCORRECT_CHECKSUM && finished)
    return check_trailer(z, err) < 0
               ? -1
               : sc_error_set(err, SC_E_INVALID, "gzip member %llu: its trailer does not match",
                              (unsigned long long)z->members + 1);
  if (r != ISAL_DECOMP_OK && r != ISAL_END_INPUT && r != ISAL_OUT_OVERFLOW)
    return sc_error_set(err, SC_E_INVALID, "gzip member %llu: %s",
                        (unsigned long long)z->members + 1, inflate_problem(r));
  if (finished) {
    if (check_trailer(z, err) < 0)
      return -1;
    z->members++;
    z->in_member = false;
  } else if (consumed == 0 && made == 0 && z->in_len > 0) {
    return sc_error_set(err, SC_E_INVALID, "gzip member %llu: inflate made no progress",
                        (unsigned long long)z->members + 1);
  }
  return 0;
}

static int truncated(const sc_gunzip *z, sc_error *err)
{
  return sc_error_set(err, SC_E_INVALID,
                      "gzip member %llu is truncated: the data ends before its trailer",
                      (unsigned long long)z->members + 1);
}

ssize_t sc_gunzip_read(sc_gunzip *z, void *out, size_t cap, sc_error *err)
{
  size_t produced = 0;
  while (produced < cap) {
    if (fill_input(z, err) < 0)
      return -1;
    bool at_end = z->in_len == 0; /* the source has no more */
    if (at_end && !z->in_member) {
      if (z->members == 0)
        return sc_error_set(err, SC_E_INVALID, "not gzip data (empty)");
      break;
    }
    if (!z->in_member && start_member(z, err) < 0)
      return -1;
    if (parse_header(z, err) < 0)
      return -1;
    if (z->header.state != HEADER_DONE) {
      if (at_end)
        return truncated(z, err);
      continue;
    }
    /* At the end too: inflate may hold output it had no room for. */
    size_t before = produced;
    if (inflate_some(z, out, cap, &produced, err) < 0)
      return -1;
    if (at_end && z->in_member && produced == before)
      return truncated(z, err);
  }
  return (ssize_t)produced;
}
