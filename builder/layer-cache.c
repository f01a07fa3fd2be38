/* layer-cache.c: the rootfs layer of an unchanged tree, found by lstat
 * alone (see layer-cache.h). */
#include "layer-cache.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

/* Changes whenever the meaning of an entry or of the key changes. */
/* 2: pax records only where ustar cannot hold an entry (the layers of 1
 * differ by a hdrcharset record in every entry).  3: the key hashes the
 * tree's stamp (sc_tree_stamp) after the options.  4: zstd layers are
 * written in 2 MiB jobs (pzstd.h), so a zstd layer of 3 has other bytes;
 * the tree's stamp hashes binary records, not lines of text. */
#define CACHE_FORMAT "sc-build layer cache 4"
/* Files changed this recently may change again within the same timestamp
 * tick without lstat showing it: such a tree is not remembered. */
#define RACY_SECONDS 2
#define ENTRY_MAX 4096

void sc_tree_stamp_begin(sc_tree_stamp *s, int64_t now)
{
  *s = (sc_tree_stamp){.h = sc_sha256_new(), .now = now, .storable = true};
}

void sc_tree_stamp_add(void *user, const char *rel, const struct stat *st)
{
  sc_tree_stamp *s = user;
  if (s->h == NULL)
    return;
  if (st == NULL) { /* the walker left something out: the stamp says nothing */
    s->incomplete = true;
    return;
  }
  /* Fixed-width fields, then the name, whose length they hold: a name may
   * hold any byte but '/' and NUL.  Binary, not text, because formatting
   * 20,000 lines was a tenth of a no-op build; the stamp never leaves this
   * machine's cache, so native byte order is fine. */
  size_t len = strlen(rel);
  const uint64_t fields[] = {len,
                             (uint64_t)st->st_mode,
                             (uint64_t)st->st_uid,
                             (uint64_t)st->st_gid,
                             (uint64_t)st->st_size,
                             (uint64_t)st->st_mtim.tv_sec,
                             (uint64_t)st->st_mtim.tv_nsec,
                             (uint64_t)st->st_ctim.tv_sec,
                             (uint64_t)st->st_ctim.tv_nsec,
                             (uint64_t)st->st_ino,
                             (uint64_t)st->st_dev,
                             (uint64_t)st->st_nlink,
                             (uint64_t)st->st_rdev};
  sc_sha256_update(s->h, fields, sizeof fields);
  sc_sha256_update(s->h, rel, len);
  if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode))
    s->storable = false; /* sockets are skipped with a warning a reuse would not repeat */
  if (st->st_mtim.tv_sec >= s->now - RACY_SECONDS || st->st_ctim.tv_sec >= s->now - RACY_SECONDS)
    s->storable = false;
}

void sc_tree_stamp_finish(sc_tree_stamp *s)
{
  if (s->h == NULL)
    return;
  char digest[SC_DIGEST_LEN + 1];
  sc_sha256_finish(s->h, digest);
  s->h = NULL;
  memcpy(s->hex, sc_digest_hex(digest), SC_SHA256_HEX_LEN + 1);
  s->done = !s->incomplete;
}

void sc_tree_stamp_clear(sc_tree_stamp *s)
{
  sc_sha256_free(s->h);
  s->h = NULL;
  s->done = false;
}

int sc_tree_stamp_walk(int dir_fd, int64_t now, sc_tree_stamp *s, sc_error *err)
{
  sc_tree_stamp_begin(s, now);
  if (sc_layer_stat_walk(dir_fd, sc_tree_stamp_add, s, err) < 0) {
    sc_tree_stamp_clear(s);
    return -1;
  }
  sc_tree_stamp_finish(s);
  return 0;
}

int sc_layer_cache_key_of(const sc_layer_options *o, const sc_tree_stamp *tree, int64_t now,
                          sc_layer_cache_key *key, sc_error *err)
{
  sc_tree_stamp walked = {0};
  if (tree == NULL || !tree->done) {
    if (sc_tree_stamp_walk(o->rootfs_fd, now, &walked, err) < 0)
      return sc_error_prefix(err, "rootfs");
    tree = &walked; /* sc_layer_stat_walk leaves nothing out: done */
  }
  /* Everything but the tree that shapes the layer's bytes, then the tree. */
  _cleanup_free_ char *text = xasprintf(
      "%s\nversion %s\ncompression %d level %d\nmtime %lld\nspecial %d\nplain %d\ntree %s\n",
      CACHE_FORMAT, SC_VERSION, (int)o->compression, o->compression_level, (long long)o->mtime,
      o->allow_special, o->plain_tree, tree->hex);
  char digest[SC_DIGEST_LEN + 1];
  sc_sha256_digest(text, strlen(text), digest);
  memcpy(key->hex, sc_digest_hex(digest), SC_SHA256_HEX_LEN + 1);
  key->storable = tree->storable;
  return 0;
}

/* The entry's fields in one string, whose digest the entry carries, so
 * that a corrupt or edited entry is not used. */
static char *entry_text(const char *key, const sc_layer_result *r)
{
  return xasprintf("%s\n%s\n%s\n%s\n%lld\n%lld\n%s\n%llu\n", CACHE_FORMAT, key, r->digest,
                   r->diff_id, (long long)r->size, (long long)r->uncompressed_size, r->media_type,
                   (unsigned long long)r->entries);
}

static const char *known_media_type(const char *s)
{
  static const char *const types[] = {SC_MEDIA_TYPE_LAYER_GZIP, SC_MEDIA_TYPE_LAYER_ZSTD};
  for (size_t i = 0; s && i < sizeof types / sizeof *types; i++)
    if (strcmp(s, types[i]) == 0)
      return types[i];
  return NULL;
}

static bool parse_entry(const char *text, size_t len, const char *key, sc_layer_result *out)
{
  _cleanup_(json_decrefp) json_t *doc = json_loadb(text, len, 0, NULL);
  const char *digest = json_string_value(json_object_get(doc, "digest"));
  const char *diff_id = json_string_value(json_object_get(doc, "diff_id"));
  const char *check = json_string_value(json_object_get(doc, "check"));
  json_t *size = json_object_get(doc, "size"), *usize = json_object_get(doc, "uncompressed_size");
  json_t *entries = json_object_get(doc, "entries");
  sc_layer_result r = {0};
  r.media_type = known_media_type(json_string_value(json_object_get(doc, "media_type")));
  if (!sc_digest_is_valid(digest) || !sc_digest_is_valid(diff_id) || check == NULL ||
      r.media_type == NULL || !json_is_integer(size) || json_integer_value(size) < 0 ||
      !json_is_integer(usize) || json_integer_value(usize) < 0 || !json_is_integer(entries) ||
      json_integer_value(entries) < 0)
    return false;
  memcpy(r.digest, digest, sizeof r.digest);
  memcpy(r.diff_id, diff_id, sizeof r.diff_id);
  r.size = json_integer_value(size);
  r.uncompressed_size = json_integer_value(usize);
  r.entries = (uint64_t)json_integer_value(entries);
  _cleanup_free_ char *want = entry_text(key, &r);
  char sum[SC_DIGEST_LEN + 1];
  sc_sha256_digest(want, strlen(want), sum);
  if (strcmp(sum, check) != 0)
    return false;
  *out = r;
  return true;
}

bool sc_layer_cache_lookup(const char *cache_dir, const sc_layer_cache_key *key, int blobs_fd,
                           sc_layer_result *out)
{
  _cleanup_free_ char *path = xasprintf("%s/%s.json", cache_dir, key->hex);
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  sc_error ignored = SC_ERROR_INIT;
  int r = sc_read_file_at_max(AT_FDCWD, path, ENTRY_MAX, &text, &len, &ignored);
  sc_error_clear(&ignored);
  sc_layer_result found;
  if (r < 0 || !parse_entry(text, len, key->hex, &found))
    return false;
  struct stat st;
  if (fstatat(blobs_fd, sc_digest_hex(found.digest), &st, AT_SYMLINK_NOFOLLOW) < 0 ||
      !S_ISREG(st.st_mode) || st.st_size != found.size)
    return false;
  *out = found;
  return true;
}

void sc_layer_cache_store(const char *cache_dir, const sc_layer_cache_key *key,
                          const sc_layer_result *r)
{
  if (!key->storable)
    return;
  _cleanup_free_ char *text = entry_text(key->hex, r);
  char check[SC_DIGEST_LEN + 1];
  sc_sha256_digest(text, strlen(text), check);
  _cleanup_(json_decrefp) json_t *doc =
      json_pack("{s:s,s:s,s:I,s:I,s:s,s:I,s:s}", "digest", r->digest, "diff_id", r->diff_id, "size",
                (json_int_t)r->size, "uncompressed_size", (json_int_t)r->uncompressed_size,
                "media_type", r->media_type, "entries", (json_int_t)r->entries, "check", check);
  _cleanup_free_ char *json = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
  _cleanup_free_ char *path = xasprintf("%s/%s.json", cache_dir, key->hex);
  sc_error ignored = SC_ERROR_INIT;
  if (json && sc_mkdir_p_at(AT_FDCWD, cache_dir, 0700, &ignored) == 0)
    sc_write_file_at(AT_FDCWD, path, json, strlen(json), 0600, &ignored);
  sc_error_clear(&ignored);
}
