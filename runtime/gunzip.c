/* gunzip.c: gzip streams through ISA-L's isal_inflate (see gunzip.h). */
#include "gunzip.h"

#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define GZIP_TRAILER_BYTES 8

struct sc_gunzip {
  struct inflate_state state;
  sc_gunzip_source source;
  void *user;
  const uint8_t *in; /* what is left of the source's current buffer */
  size_t in_len;
  bool source_done;
  bool in_member; /* a member's first byte was read, its trailer not yet */
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
  case ISAL_INVALID_WRAPPER:
    return "not a valid gzip header";
  case ISAL_UNSUPPORTED_METHOD:
    return "a compression method other than deflate";
  case ISAL_INCORRECT_CHECKSUM:
    return "a bad gzip header checksum";
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
  isal_inflate_reset(&z->state);
  z->state.crc_flag = ISAL_GZIP; /* header parsed, CRC32 computed and checked */
  z->in_member = true;
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

ssize_t sc_gunzip_read(sc_gunzip *z, void *out, size_t cap, sc_error *err)
{
  size_t produced = 0;
  while (produced < cap) {
    if (fill_input(z, err) < 0)
      return -1;
    if (z->in_len == 0) { /* the source's end */
      if (z->in_member)
        return sc_error_set(err, SC_E_INVALID,
                            "gzip member %llu is truncated: the data ends before its trailer",
                            (unsigned long long)z->members + 1);
      if (z->members == 0)
        return sc_error_set(err, SC_E_INVALID, "not gzip data (empty)");
      break;
    }
    if (!z->in_member && start_member(z, err) < 0)
      return -1;
    if (inflate_some(z, out, cap, &produced, err) < 0)
      return -1;
  }
  return (ssize_t)produced;
}
