/* ostree-tarsplit.c: tar-split JSON lines of a layer's tar, gzip'd and
 * base64'd, for the tarsplit.output metadata of its OSTree commit. */
#include "ostree-tarsplit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "pgzip.h"
#include "util.h"

/* Go's crc64.ISO, in the reversed form its table is made from. */
#define CRC64_ISO_REVERSED 0xD800000000000000ull
/* The JSON is headers mostly; one worker keeps its compression off the
 * thread that writes the layer. */
#define JSON_GZIP_LEVEL 6
#define JSON_GZIP_THREADS 1

void sc_crc64_table_init(sc_crc64_table *table)
{
  for (unsigned i = 0; i < 256; i++) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; bit++)
      crc = crc & 1 ? (crc >> 1) ^ CRC64_ISO_REVERSED : crc >> 1;
    table->t[0][i] = crc;
  }
  for (unsigned i = 0; i < 256; i++)
    for (int k = 1; k < 8; k++)
      table->t[k][i] = table->t[0][table->t[k - 1][i] & 0xff] ^ (table->t[k - 1][i] >> 8);
}

uint64_t sc_crc64_update(const sc_crc64_table *table, uint64_t crc, const void *buf, size_t len)
{
  const uint8_t *p = buf;
  const uint64_t(*t)[256] = table->t;
  crc = ~crc;
  for (; len >= 8; p += 8, len -= 8) {
    uint64_t word = 0;
    for (int i = 7; i >= 0; i--)
      word = word << 8 | p[i];
    crc ^= word;
    crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^
          t[4][(crc >> 24) & 0xff] ^ t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^
          t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
  }
  for (; len > 0; p++, len--)
    crc = t[0][(uint8_t)crc ^ *p] ^ (crc >> 8);
  return ~crc;
}

typedef struct tar_mark {
  char *name;
  uint64_t offset, size;
} tar_mark;

struct sc_tarsplit {
  sc_crc64_table crc_table;
  tar_mark *marks; /* entries not yet written out, from head */
  size_t head, count, cap;
  uint64_t pos;   /* tar offset of the next byte to place */
  bool in_data;   /* pos is inside marks[head]'s data */
  uint64_t crc;   /* of marks[head]'s data so far */
  sc_buf segment; /* bytes since the last file's data */
  sc_buf held;    /* bytes from pos on that no known entry places yet */
  size_t held_start;
  long position; /* the next line's "position" */
  sc_pgzip *gzip;
  sc_buf gzipped;
  sc_error err; /* the first failure, reported by finish */
};

static int append_gzipped(void *user, const void *buf, size_t len, sc_error *err)
{
  (void)err;
  sc_buf_append(user, buf, len);
  return 0;
}

sc_tarsplit *sc_tarsplit_new(void)
{
  sc_tarsplit *t = xcalloc(1, sizeof *t);
  sc_crc64_table_init(&t->crc_table);
  t->gzip = sc_pgzip_new(JSON_GZIP_LEVEL, JSON_GZIP_THREADS, append_gzipped, &t->gzipped, &t->err);
  return t;
}

void sc_tarsplit_free(sc_tarsplit *t)
{
  if (t == NULL)
    return;
  for (size_t i = t->head; i < t->count; i++)
    free(t->marks[i].name);
  free(t->marks);
  sc_buf_free(&t->segment);
  sc_buf_free(&t->held);
  sc_pgzip_free(t->gzip);
  sc_buf_free(&t->gzipped);
  sc_error_clear(&t->err);
  free(t);
}

/* One line as Go's json.Encoder writes a tar-split storage.Entry: its
 * fields in struct order, then the position and a newline.  Written here,
 * not through jansson objects: the segments' base64 would be scanned for
 * escapes that base64 never needs, and that was most of the cost. */
static void put_line(sc_tarsplit *t, sc_buf *line)
{
  sc_buf_printf(line, ",\"position\":%ld}\n", t->position++);
  if (t->err.code == 0 && t->gzip)
    sc_pgzip_write(t->gzip, line->data, line->len, &t->err);
  sc_buf_free(line);
}

static void put_base64(sc_buf *line, const void *data, size_t len)
{
  g_autofree char *b64 = g_base64_encode(data, len);
  sc_buf_putc(line, '"');
  sc_buf_puts(line, b64);
  sc_buf_putc(line, '"');
}

static void flush_segment(sc_tarsplit *t)
{
  if (t->segment.len == 0)
    return;
  sc_buf line = SC_BUF_INIT;
  sc_buf_puts(&line, "{\"type\":2,\"payload\":");
  put_base64(&line, t->segment.data, t->segment.len);
  put_line(t, &line);
  t->segment.len = 0;
}

/* tar-split's storage.Entry: name when it is UTF-8 (a JSON string, as
 * jansson escapes it), else name_raw (base64). */
static void put_file(sc_tarsplit *t, const tar_mark *m)
{
  sc_buf line = SC_BUF_INIT;
  sc_buf_puts(&line, "{\"type\":1,");
  if (g_utf8_validate(m->name, -1, NULL)) {
    json_t *name = json_string(m->name);
    char *text = json_dumps(name, JSON_ENCODE_ANY | JSON_COMPACT);
    sc_buf_printf(&line, "\"name\":%s,", text);
    free(text);
    json_decref(name);
  } else {
    sc_buf_puts(&line, "\"name_raw\":");
    put_base64(&line, m->name, strlen(m->name));
    sc_buf_putc(&line, ',');
  }
  if (m->size > 0) {
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
      be[i] = (uint8_t)(t->crc >> (56 - 8 * i));
    sc_buf_printf(&line, "\"size\":%llu,\"payload\":", (unsigned long long)m->size);
    put_base64(&line, be, sizeof be);
  } else {
    sc_buf_puts(&line, "\"payload\":null");
  }
  put_line(t, &line);
}

static void complete_mark(sc_tarsplit *t)
{
  tar_mark *m = &t->marks[t->head];
  if (!t->in_data)
    flush_segment(t);
  put_file(t, m);
  free(m->name);
  t->head++;
  t->in_data = false;
  t->crc = 0;
}

/* Place bytes from pos on while a known entry says what they are: before
 * its data, part of the segment; inside it, the file's. Returns how many
 * were placed; the rest wait for the next entry. */
static size_t place(sc_tarsplit *t, const uint8_t *p, size_t n)
{
  size_t placed = 0;
  while (t->head < t->count) {
    tar_mark *m = &t->marks[t->head];
    if (!t->in_data && m->offset < t->pos) {
      if (t->err.code == 0)
        sc_error_set(&t->err, SC_E_INVALID,
                     "tar-split: entry %s starts at byte %llu, before byte %llu already placed",
                     m->name, (unsigned long long)m->offset, (unsigned long long)t->pos);
      return n;
    }
    if (t->pos == m->offset + m->size && (t->in_data || m->size == 0)) {
      complete_mark(t);
      continue;
    }
    if (placed == n)
      break;
    size_t take;
    if (t->pos < m->offset) {
      take = (size_t)MIN((uint64_t)(n - placed), m->offset - t->pos);
      sc_buf_append(&t->segment, p + placed, take);
    } else {
      if (!t->in_data)
        flush_segment(t);
      t->in_data = true;
      take = (size_t)MIN((uint64_t)(n - placed), m->offset + m->size - t->pos);
      t->crc = sc_crc64_update(&t->crc_table, t->crc, p + placed, take);
    }
    placed += take;
    t->pos += take;
  }
  return placed;
}

/* The held bytes, placed as far as the entries known now allow. */
static void place_held(sc_tarsplit *t)
{
  size_t left = t->held.len - t->held_start;
  t->held_start += place(t, (const uint8_t *)t->held.data + t->held_start, left);
  if (t->held_start == t->held.len) {
    t->held.len = 0;
    t->held_start = 0;
  } else if (t->held_start > t->held.len / 2) {
    memmove(t->held.data, t->held.data + t->held_start, t->held.len - t->held_start);
    t->held.len -= t->held_start;
    t->held_start = 0;
  }
}

void sc_tarsplit_entry(sc_tarsplit *t, const char *name, uint64_t data_offset, uint64_t size)
{
  if (t->head == t->count) {
    t->head = t->count = 0;
  } else if (t->count == t->cap && t->head > 0) {
    memmove(t->marks, t->marks + t->head, (t->count - t->head) * sizeof *t->marks);
    t->count -= t->head;
    t->head = 0;
  }
  if (t->count == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 16;
    t->marks = xrealloc(t->marks, t->cap * sizeof *t->marks);
  }
  t->marks[t->count++] = (tar_mark){xstrdup(name), data_offset, size};
  place_held(t);
}

int sc_tarsplit_write(sc_tarsplit *t, const void *buf, size_t len, sc_error *err)
{
  size_t placed = 0;
  if (t->held.len == t->held_start)
    placed = place(t, buf, len);
  if (placed < len) {
    sc_buf_append(&t->held, (const char *)buf + placed, len - placed);
    place_held(t);
  }
  if (t->err.code != 0)
    return sc_error_set(err, t->err.code, "%s", t->err.msg);
  return 0;
}

char *sc_tarsplit_finish(sc_tarsplit *t, sc_error *err)
{
  place_held(t);
  if (t->head < t->count && t->err.code == 0) {
    const tar_mark *m = &t->marks[t->head];
    sc_error_set(&t->err, SC_E_INVALID,
                 "tar-split: the tar ends at byte %llu, before the data of %s (bytes %llu to "
                 "%llu)",
                 (unsigned long long)(t->pos + t->held.len - t->held_start), m->name,
                 (unsigned long long)m->offset, (unsigned long long)(m->offset + m->size));
  }
  /* What follows the last entry: the end-of-archive blocks and padding. */
  sc_buf_append(&t->segment, t->held.data + t->held_start, t->held.len - t->held_start);
  flush_segment(t);
  if (t->err.code == 0 && t->gzip)
    sc_pgzip_finish(t->gzip, &t->err);
  if (t->err.code != 0) {
    sc_error_move(err, &t->err);
    return NULL;
  }
  /* Encoded into memory of ours (the caller frees it with free()), once:
   * at 1 GB of tree the value is several megabytes. */
  char *b64 = xmalloc((t->gzipped.len / 3 + 1) * 4 + 16);
  gint state = 0, save = 0;
  gsize n = g_base64_encode_step((const guchar *)t->gzipped.data, t->gzipped.len, FALSE, b64,
                                 &state, &save);
  n += g_base64_encode_close(FALSE, b64 + n, &state, &save);
  b64[n] = '\0';
  return b64;
}
