/* ostree-tarsplit.h: the `tarsplit.output` metadata of an OSTree layer
 * commit, as containers/image's ostree: transport writes it
 * (ostree_dest.go, generateTarSplitMetadata) and reads it back
 * (ostree_src.go, GetBlob): the tar-split (github.com/vbatts/tar-split)
 * JSON lines of the layer's tar, gzip'd, then base64'd.
 *
 * Each line is one tar-split storage.Entry with its position: a segment
 * ({"type":2,"payload":BASE64,"position":N}: raw bytes of headers and
 * padding) or a file ({"type":1,"name":NAME,"size":N,"payload":BASE64,
 * "position":N}, the payload the CRC-64/ISO of its data, big-endian; size
 * omitted and payload null for an entry without data).  A reader writes
 * the segments and, for each file of non-zero size, the file of that name
 * from the commit, in order: the tar comes back byte for byte, with its
 * diff_id.  As tar-split's disassembler, every tar header gets a file line
 * after the segment that holds it.
 *
 * The builder is fed the tar's bytes in order (sc_tarsplit_write) and, for
 * each entry, where its data starts in the tar and how many bytes it has
 * (sc_tarsplit_entry), in either order: a tar writer knows an entry before
 * its bytes leave its buffer, a tar reader after.  Bytes not yet known to
 * be data or not wait (at most a reader's read-ahead). */
#ifndef SC_OSTREE_TARSPLIT_H
#define SC_OSTREE_TARSPLIT_H

#include <stddef.h>
#include <stdint.h>
#include <sc/error.h>

/* CRC-64 with the ISO polynomial, reflected, as Go's hash/crc64 with
 * crc64.MakeTable(crc64.ISO) (tar-split's storage.CRCTable); eight tables
 * for slicing-by-8. */
typedef struct sc_crc64_table {
  uint64_t t[8][256];
} sc_crc64_table;

void sc_crc64_table_init(sc_crc64_table *table);
/* crc: 0 to start, or what the previous call returned. */
uint64_t sc_crc64_update(const sc_crc64_table *table, uint64_t crc, const void *buf, size_t len);

typedef struct sc_tarsplit sc_tarsplit;

sc_tarsplit *sc_tarsplit_new(void);
/* An entry named name (as in its header) whose size data bytes start
 * data_offset bytes into the tar; entries come in tar order. */
void sc_tarsplit_entry(sc_tarsplit *t, const char *name, uint64_t data_offset, uint64_t size);
/* The next len bytes of the tar. */
int sc_tarsplit_write(sc_tarsplit *t, const void *buf, size_t len, sc_error *err);
/* The metadata value (base64 text), once every byte and entry is in;
 * NULL with err set when they did not agree. */
char *sc_tarsplit_finish(sc_tarsplit *t, sc_error *err);
void sc_tarsplit_free(sc_tarsplit *t);

#endif
