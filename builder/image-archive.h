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

#include "digest.h"

/* Write the layout at layout_fd as a tar to out_fd. */
int sc_oci_archive_write(int layout_fd, int out_fd, int64_t mtime, volatile const int *interrupted,
                         sc_error *err);

/* Extract an oci-archive read from fd into the empty directory dest_fd;
 * only oci-layout, index.json and blobs/sha256/<hex> are accepted. */
int sc_oci_archive_extract(int fd, int dest_fd, sc_error *err);

/* Write the image `manifest` (an OCI manifest whose blobs are in
 * blobs_fd) with diff_ids (array of "sha256:<hex>", from its config) as a
 * docker-archive to out_fd, tagged repo_tag ("name:tag").  digest (unless
 * NULL) receives the archive's manifest digest as containers/image's
 * docker-archive transport gives it (skopeo inspect, podman): the archive
 * has no manifest of its own, so that one is the digest its users see. */
int sc_docker_archive_write(int blobs_fd, const json_t *manifest, const json_t *diff_ids,
                            const char *repo_tag, int out_fd, int64_t mtime,
                            char digest[SC_DIGEST_LEN + 1], volatile const int *interrupted,
                            sc_error *err);

/* Read the image of a docker-archive (from fd) that ref (NAME:TAG among
 * its RepoTags, docker.io/library/ optional) or index (>= 0) names, or
 * its only image when neither is given, into the empty directory dest_fd
 * as an OCI layout with one untagged image: the config and each layer (an
 * uncompressed tar) as stored, under an OCI manifest.  *tag receives the
 * image's name (ref, else its first RepoTag, else NULL). */
int sc_docker_archive_to_layout(int fd, const char *ref, long index, int dest_fd, char **tag,
                                sc_error *err);

#endif
