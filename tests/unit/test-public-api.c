/* test-public-api.c: the ABI rule of libscruntime (sc/runtime.h,
 * docs/design.md section 0).  Versioned option structs: a program built
 * against an older, smaller struct gets the defaults of the fields it did
 * not know; one built against a newer, larger struct is refused when it
 * sets a field this library does not know, accepted when it leaves them
 * zero; an uninitialised size is refused.  Opaque handles: each accessor
 * returns what the handle holds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sc/runtime.h>

#include "diag-internal.h"
#include "image-internal.h"
#include "imageref-internal.h"
#include "install-internal.h"
#include "manifest-internal.h"
#include "template-internal.h"
#include "util.h"

/* ---- versioned option structs ---- */

/* A struct of a newer library: this one's fields, then one it does not know. */
typedef struct newer_values_context {
  sc_values_context known;
  uint64_t added_later;
} newer_values_context;

typedef struct newer_runtime {
  sc_runtime known;
  uint64_t added_later;
} newer_runtime;

static sc_values_context minimal_context(const sc_values *defaults)
{
  sc_values_context ctx = SC_VALUES_CONTEXT_INIT;
  ctx.name = "n";
  ctx.destdir = "/d";
  ctx.capabilities_path = "/nonexistent";
  ctx.defaults = defaults; /* the last field */
  return ctx;
}

static void test_older_struct_gets_defaults(void **state)
{
  (void)state;
  sc_values *defaults = sc_values_new();
  sc_values_set(defaults, "FROM_MANIFEST", "yes");
  sc_values_context ctx = minimal_context(defaults);
  sc_values *v = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_values_compute(&ctx, &v, NULL, &err), 0);
  assert_string_equal(sc_values_get(v, "FROM_MANIFEST"), "yes");
  sc_values_free(v);
  /* Built before `defaults` was added: the library must not read it. */
  ctx.size = offsetof(sc_values_context, defaults);
  assert_int_equal(sc_values_compute(&ctx, &v, NULL, &err), 0);
  assert_null(sc_values_get(v, "FROM_MANIFEST"));
  assert_string_equal(sc_values_get(v, "NAME"), "n");
  sc_values_free(v);
  sc_values_free(defaults);
}

static void test_newer_struct_with_unknown_field_is_refused(void **state)
{
  (void)state;
  newer_values_context newer = {.known = minimal_context(NULL), .added_later = 1};
  newer.known.size = sizeof newer;
  sc_values *v = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_values_compute(&newer.known, &v, NULL, &err), -1);
  assert_null(v);
  assert_int_equal(err.code, SC_E_INVALID);
  assert_non_null(strstr(err.msg, "values context"));
  assert_non_null(strstr(err.msg, "newer libscruntime"));
  sc_error_clear(&err);
  /* The same size with the unknown field zero: accepted. */
  newer.added_later = 0;
  assert_int_equal(sc_values_compute(&newer.known, &v, NULL, &err), 0);
  assert_string_equal(sc_values_get(v, "NAME"), "n");
  sc_values_free(v);
}

static void test_uninitialised_size_is_refused(void **state)
{
  (void)state;
  sc_values_context ctx = minimal_context(NULL);
  ctx.size = 0;
  sc_values *v = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_values_compute(&ctx, &v, NULL, &err), -1);
  assert_int_equal(err.code, SC_E_INVALID);
  assert_non_null(strstr(err.msg, "_INIT"));
  sc_error_clear(&err);
  sc_install_options options = {.name = "hello"}; /* no SC_INSTALL_OPTIONS_INIT */
  assert_int_equal(sc_recover(&options, &err), -1);
  assert_int_equal(err.code, SC_E_INVALID);
  assert_non_null(strstr(err.msg, "install options"));
  sc_error_clear(&err);
}

static void test_every_option_struct_is_checked(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  struct {
    sc_install_options known;
    uint64_t added_later;
  } install = {.known = SC_INSTALL_OPTIONS_INIT, .added_later = 1};
  install.known.size = sizeof install;
  install.known.name = "hello";
  install.known.root = "/nonexistent/sc-build-test-root";
  assert_int_equal(sc_recover(&install.known, &err), -1);
  assert_non_null(strstr(err.msg, "install options"));
  sc_error_clear(&err);
  sc_install_result *result = sc_install_result_new();
  assert_int_equal(sc_uninstall(&install.known, result, &err), -1);
  assert_non_null(strstr(err.msg, "install options"));
  sc_error_clear(&err);
  sc_install_result_free(result);
  struct {
    sc_checkout_options known;
    uint64_t added_later;
  } checkout = {.known = SC_CHECKOUT_OPTIONS_INIT, .added_later = 1};
  checkout.known.size = sizeof checkout;
  /* Refused before the image is looked at. */
  assert_int_equal(sc_image_checkout(NULL, -1, &checkout.known, &err), -1);
  assert_non_null(strstr(err.msg, "checkout options"));
  sc_error_clear(&err);
  newer_runtime rt = {.known = SC_RUNTIME_INIT, .added_later = 1};
  rt.known.size = sizeof rt;
  rt.known.path = "/bin/true";
  assert_int_equal(sc_runtime_kill(&rt.known, "id", "TERM", &err), -1);
  assert_non_null(strstr(err.msg, "runtime"));
  sc_error_clear(&err);
}

/* The runtime's argv, as /bin/echo prints it back. */
static char *runtime_words(const sc_runtime *rt)
{
  char *argv[] = {"x", NULL};
  int status = -1;
  char *output = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_runtime_exec(rt, "ID", argv, &status, &output, &err) < 0)
    fail_msg("sc_runtime_exec: %s", err.msg);
  assert_int_equal(status, 0);
  return output;
}

static void test_older_runtime_struct_gets_defaults(void **state)
{
  (void)state;
  if (access("/bin/echo", X_OK) != 0) {
    print_message("skipped: no /bin/echo to stand in for the runtime\n");
    skip();
  }
  sc_runtime rt = SC_RUNTIME_INIT;
  rt.path = "/bin/echo";
  rt.systemd_cgroup = true; /* the last field */
  _cleanup_free_ char *full = runtime_words(&rt);
  assert_string_equal(full, "--systemd-cgroup exec ID x\n");
  rt.size = offsetof(sc_runtime, systemd_cgroup);
  _cleanup_free_ char *older = runtime_words(&rt);
  assert_string_equal(older, "exec ID x\n");
}

/* ---- accessors of the opaque handles ---- */

static void test_image_accessors(void **state)
{
  (void)state;
  sc_descriptor layers[2] = {
      {.media_type = "application/vnd.oci.image.layer.v1.tar+gzip",
       .digest = "sha256:aa",
       .size = 7},
      {.media_type = "application/vnd.oci.image.layer.v1.tar", .digest = "sha256:bb", .size = 9},
  };
  json_t *manifest = json_object(), *config = json_object();
  sc_image image = {
      .kind = SC_IMAGE_OCI_LAYOUT,
      .reference = "oci:/l:t",
      .name = "/l:t",
      .layout_path = "/l",
      .tag = "t",
      .layout_fd = -1,
      .manifest_digest = "sha256:0123",
      .manifest = manifest,
      .config = config,
      .config_descriptor = {.media_type = "application/vnd.oci.image.config.v1+json",
                            .digest = "sha256:cc",
                            .size = 3},
      .layers = layers,
      .layer_count = 2,
      .ostree_commit = "c0ffee",
  };
  assert_int_equal(sc_image_kind_of(&image), SC_IMAGE_OCI_LAYOUT);
  assert_ptr_equal(sc_image_reference(&image), image.reference);
  assert_ptr_equal(sc_image_name(&image), image.name);
  assert_ptr_equal(sc_image_layout_path(&image), image.layout_path);
  assert_ptr_equal(sc_image_tag(&image), image.tag);
  assert_ptr_equal(sc_image_manifest_digest(&image), image.manifest_digest);
  assert_string_equal(sc_image_id(&image), "0123");
  assert_ptr_equal(sc_image_manifest(&image), manifest);
  assert_ptr_equal(sc_image_config(&image), config);
  assert_ptr_equal(sc_image_config_descriptor(&image), &image.config_descriptor);
  assert_int_equal(sc_image_layer_count(&image), 2);
  assert_ptr_equal(sc_image_layer(&image, 1), &layers[1]);
  assert_null(sc_image_layer(&image, 2));
  assert_ptr_equal(sc_image_ostree_commit(&image), image.ostree_commit);
  const sc_descriptor *d = sc_image_layer(&image, 0);
  assert_ptr_equal(sc_descriptor_media_type(d), layers[0].media_type);
  assert_ptr_equal(sc_descriptor_digest(d), layers[0].digest);
  assert_int_equal(sc_descriptor_size(d), 7);
  json_decref(manifest);
  json_decref(config);
}

static void test_manifest_accessors(void **state)
{
  (void)state;
  const char *text = "{\"version\": \"1.0\", \"defaultValues\": {\"A\": \"1\"},"
                     " \"installedFilesTemplate\": [\"/etc/x\"],"
                     " \"renameFiles\": {\"/etc/x\": \"/etc/$NAME\"},"
                     " \"useLinks\": false, \"noContainerService\": true}";
  sc_manifest *m = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_manifest_parse(text, strlen(text), "manifest.json", &m, NULL, &err) < 0)
    fail_msg("sc_manifest_parse: %s", err.msg);
  assert_ptr_equal(sc_manifest_version(m), m->version);
  assert_string_equal(sc_manifest_version(m), "1.0");
  assert_true(sc_manifest_has_default_values(m));
  assert_ptr_equal(sc_manifest_default_values(m), m->default_values);
  assert_string_equal(sc_values_get(sc_manifest_default_values(m), "A"), "1");
  assert_ptr_equal(sc_manifest_installed_files_template(m), m->installed_files_template);
  assert_int_equal(sc_manifest_installed_files_count(m), 1);
  assert_string_equal(sc_manifest_installed_files_template(m)[0], "/etc/x");
  assert_ptr_equal(sc_manifest_rename_files(m), m->rename_files);
  assert_string_equal(sc_values_get(sc_manifest_rename_files(m), "/etc/x"), "/etc/$NAME");
  assert_false(sc_manifest_use_links(m));
  assert_true(sc_manifest_no_container_service(m));
  sc_manifest_free(m);
}

static void test_install_result_accessors(void **state)
{
  (void)state;
  sc_install_result *r = sc_install_result_new();
  assert_null(sc_install_result_deployment(r));
  assert_null(sc_install_result_kept_files(r));
  r->deployment = xstrdup("/root/var/lib/containers/atomic/hello.1");
  r->index = 1;
  r->nothing_to_do = true;
  sc_strv_push(&r->kept_files, "/etc/hello.conf");
  r->info = json_pack("{s:s}", "image", "oci:/l");
  assert_ptr_equal(sc_install_result_deployment(r), r->deployment);
  assert_int_equal(sc_install_result_index(r), 1);
  assert_true(sc_install_result_nothing_to_do(r));
  assert_ptr_equal(sc_install_result_kept_files(r), r->kept_files);
  assert_ptr_equal(sc_install_result_info(r), r->info);
  sc_install_result_clear(r);
  assert_null(sc_install_result_deployment(r));
  assert_int_equal(sc_install_result_index(r), 0);
  assert_false(sc_install_result_nothing_to_do(r));
  assert_null(sc_install_result_info(r));
  sc_install_result_free(r);
  sc_install_result_free(NULL);
}

static void test_image_ref_accessors(void **state)
{
  (void)state;
  sc_image_ref *ref = sc_image_ref_new();
  assert_int_equal(sc_image_ref_index(ref), -1);
  sc_error err = SC_ERROR_INIT;
  if (sc_image_ref_parse("docker://example.com:5000/a/b:1", SC_REF_SOURCE, ref, &err) < 0)
    fail_msg("sc_image_ref_parse: %s", err.msg);
  assert_ptr_equal(sc_image_ref_transport(ref), ref->transport);
  assert_int_equal(sc_transport_info_transport(sc_image_ref_transport(ref)), SC_TRANSPORT_DOCKER);
  assert_string_equal(sc_transport_info_name(ref->transport), "docker");
  assert_ptr_equal(sc_transport_info_syntax(ref->transport), ref->transport->syntax);
  assert_int_equal(sc_transport_info_roles(ref->transport), ref->transport->roles);
  assert_ptr_equal(sc_image_ref_text(ref), ref->text);
  assert_string_equal(sc_image_ref_host(ref), "example.com:5000");
  assert_string_equal(sc_image_ref_repository(ref), "a/b");
  assert_string_equal(sc_image_ref_tag(ref), "1");
  assert_null(sc_image_ref_digest(ref));
  assert_null(sc_image_ref_path(ref));
  sc_image_ref_clear(ref);
  if (sc_image_ref_parse("docker-archive:/x.tar:@2", SC_REF_SOURCE, ref, &err) < 0)
    fail_msg("sc_image_ref_parse: %s", err.msg);
  assert_string_equal(sc_image_ref_path(ref), "/x.tar");
  assert_ptr_equal(sc_image_ref_path(ref), ref->path);
  assert_int_equal(sc_image_ref_index(ref), 2);
  assert_ptr_equal(sc_image_ref_ref(ref), ref->ref);
  sc_image_ref_free(ref);
  sc_image_ref_free(NULL);
}

static void test_diags_accessors(void **state)
{
  (void)state;
  sc_diags *diags = sc_diags_new();
  assert_int_equal(sc_diags_length(diags), 0);
  sc_diags_add(diags, SC_DIAG_WARNING, "f.json", 3, 4, "odd %s", "key");
  sc_diags_add(diags, SC_DIAG_ERROR, NULL, 0, 0, "bad");
  assert_int_equal(sc_diags_length(diags), 2);
  const sc_diag *first = sc_diags_at(diags, 0);
  assert_ptr_equal(first, &diags->items[0]);
  assert_int_equal(sc_diag_severity_of(first), SC_DIAG_WARNING);
  assert_string_equal(sc_diag_file(first), "f.json");
  assert_int_equal(sc_diag_line(first), 3);
  assert_int_equal(sc_diag_col(first), 4);
  assert_string_equal(sc_diag_message(first), "odd key");
  assert_int_equal(sc_diag_severity_of(sc_diags_at(diags, 1)), SC_DIAG_ERROR);
  assert_null(sc_diag_file(sc_diags_at(diags, 1)));
  assert_null(sc_diags_at(diags, 2));
  sc_diags_free(diags);
  sc_diags_free(NULL);
}

static int check_placeholder(const sc_placeholder *p, void *user)
{
  int *seen = user;
  assert_int_equal(sc_placeholder_kind_of(p), p->kind);
  assert_ptr_equal(sc_placeholder_name(p), p->name);
  assert_int_equal(sc_placeholder_name_len(p), p->name_len);
  assert_int_equal(sc_placeholder_braced(p), p->braced);
  assert_int_equal(sc_placeholder_offset(p), p->offset);
  assert_int_equal(sc_placeholder_line(p), p->line);
  assert_int_equal(sc_placeholder_col(p), p->col);
  if (*seen == 0) {
    assert_int_equal(sc_placeholder_kind_of(p), SC_PLACEHOLDER_VARIABLE);
    assert_int_equal(sc_placeholder_name_len(p), 4);
    assert_memory_equal(sc_placeholder_name(p), "NAME", 4);
    assert_true(sc_placeholder_braced(p));
    assert_int_equal(sc_placeholder_offset(p), 2);
    assert_int_equal(sc_placeholder_line(p), 1);
    assert_int_equal(sc_placeholder_col(p), 3);
  } else {
    assert_int_equal(sc_placeholder_kind_of(p), SC_PLACEHOLDER_INVALID);
    assert_int_equal(sc_placeholder_line(p), 2);
  }
  (*seen)++;
  return 0;
}

static void test_placeholder_accessors(void **state)
{
  (void)state;
  const char *text = "a ${NAME}\n$!";
  int seen = 0;
  assert_int_equal(sc_template_scan(text, strlen(text), check_placeholder, &seen), 0);
  assert_int_equal(seen, 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_older_struct_gets_defaults),
      cmocka_unit_test(test_newer_struct_with_unknown_field_is_refused),
      cmocka_unit_test(test_uninitialised_size_is_refused),
      cmocka_unit_test(test_every_option_struct_is_checked),
      cmocka_unit_test(test_older_runtime_struct_gets_defaults),
      cmocka_unit_test(test_image_accessors),
      cmocka_unit_test(test_manifest_accessors),
      cmocka_unit_test(test_install_result_accessors),
      cmocka_unit_test(test_image_ref_accessors),
      cmocka_unit_test(test_diags_accessors),
      cmocka_unit_test(test_placeholder_accessors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
