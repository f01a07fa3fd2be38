/* image-archive.h: images as single tar files.
 *
 * oci-archive (containers-transports(5)): a tar of an OCI image layout.
 * docker-archive: the `docker save` format that `docker load`, skopeo and
 * `atomic pull dockertar:` read: manifest.json [{"Config", "RepoTags",
 * "Layers"}], the config blob as <hex>.json, each layer UNCOMPRESSED as
 * <diff_id hex>/layer.tar, and the legacy `repositories` file.
 *
 * Both are written reproducibly (entries sorted, owners 0/0, one mtime). */
#ifndef SC_IMAGE_ARCHIVE_H
#define SC_IMAGE_ARCHIVE_H

#include <stdint.h>
#include <jansson.h>
#include <sc/error.h>

/* Write the layout at layout_fd as a tar to out_fd. */
int sc_oci_archive_write(int layout_fd, int out_fd, int64_t mtime, volatile const int *interrupted,
                         sc_error *err);

/* Extract an oci-archive read from fd into the empty directory dest_fd;
 * only oci-layout, index.json and blobs/sha256/<hex> are accepted. */
int sc_oci_archive_extract(int fd, int dest_fd, sc_error *err);

/* Write the image `manifest` (an OCI manifest whose blobs are in
 * blobs_fd) with diff_ids (array of "sha256:<hex>", from its config) as a
 * docker-archive to out_fd, tagged repo_tag ("name:tag"). */
int sc_docker_archive_write(int blobs_fd, const json_t *manifest, const json_t *diff_ids,
                            const char *repo_tag, int out_fd, int64_t mtime,
                            volatile const int *interrupted, sc_error *err);

/* What inspect needs from a docker-archive read from fd: its manifest.json
 * entry (the first image), the config document, and per layer the member
 * path and size. */
typedef struct sc_docker_archive_info {
  json_t *manifest_entry; /* {"Config", "RepoTags", "Layers"} */
  json_t *config;
  char config_digest[72];
  json_t *layers; /* [{"path", "size", "digest"}] (digest of the uncompressed tar) */
} sc_docker_archive_info;

int sc_docker_archive_read(int fd, sc_docker_archive_info *info, sc_error *err);
void sc_docker_archive_info_clear(sc_docker_archive_info *info);
/* Call fn for each entry path of the layer tar `member` inside the archive. */
typedef void (*sc_tar_path_fn)(const char *path, void *user);
int sc_docker_archive_list_layer(int fd, const char *member, sc_tar_path_fn fn, void *user,
                                 sc_error *err);

#endif
