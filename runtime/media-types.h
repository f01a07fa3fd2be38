/* media-types.h: the media type strings of OCI image-spec media-types.md
 * and Docker's image manifest v2 schema 2 (distribution's
 * docs/spec/manifest-v2-2.md), and the annotations sc-build reads and
 * writes (annotations.md), defined here once for the runtime and the builder. */
#ifndef SC_MEDIA_TYPES_H
#define SC_MEDIA_TYPES_H

/* OCI documents */
#define SC_MEDIA_TYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SC_MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define SC_MEDIA_TYPE_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

/* OCI layers */
#define SC_MEDIA_TYPE_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define SC_MEDIA_TYPE_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define SC_MEDIA_TYPE_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
/* Non-distributable layers (deprecated by image-spec, still read). */
#define SC_MEDIA_TYPE_FOREIGN_TAR "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define SC_MEDIA_TYPE_FOREIGN_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define SC_MEDIA_TYPE_FOREIGN_ZSTD "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

/* Docker's schema 2 */
#define SC_MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define SC_MEDIA_TYPE_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define SC_MEDIA_TYPE_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define SC_MEDIA_TYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define SC_MEDIA_TYPE_DOCKER_FOREIGN_LAYER                                                         \
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
/* The prefix of schema 1's types (unsupported: refused with a reason). */
#define SC_MEDIA_TYPE_DOCKER_V1_PREFIX "application/vnd.docker.distribution.manifest.v1"

/* annotations.md: the tag of a manifest in index.json; the base image a
 * manifest was built on. */
#define SC_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define SC_ANNOTATION_BASE_NAME "org.opencontainers.image.base.name"
#define SC_ANNOTATION_BASE_DIGEST "org.opencontainers.image.base.digest"

#endif
