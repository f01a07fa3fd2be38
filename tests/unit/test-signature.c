/* test-signature.c: image signatures (docs/signatures.md): the lookup
 * names of an image, containers-registries.d(5) files, the simple-signing
 * payload, containers-policy.json(5) read strictly, and signatures made
 * with a throwaway GnuPG key checked against each signedIdentity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "docker-scope.h"
#include "policy.h"
#include "registries-d.h"
#include "sign.h"
#include "signature.h"
#include "util.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OTHER "sha256:1111111111111111111111111111111111111111111111111111111111111111"

/* ---- scopes and registries.d ---- */

static void test_scopes(void **state)
{
  char **s = sc_docker_scopes("r.example:5000", "ns/sub/app", "v1", NULL);
  const char *want[] = {"r.example:5000/ns/sub/app:v1",
                        "r.example:5000/ns/sub/app",
                        "r.example:5000/ns/sub",
                        "r.example:5000/ns",
                        "r.example:5000",
                        NULL};
  for (size_t i = 0; want[i]; i++)
    assert_string_equal(s[i], want[i]);
  assert_null(s[5]);
  sc_strv_free(s);
  s = sc_docker_scopes("h", "app", NULL, DIGEST);
  assert_string_equal(s[0], "h/app@" DIGEST);
  assert_string_equal(s[1], "h/app");
  assert_string_equal(s[2], "h");
  sc_strv_free(s);
}

static sc_registries_d *rd_parse(const char *yaml)
{
  sc_registries_d *d = sc_registries_d_new();
  sc_error err = SC_ERROR_INIT;
  if (sc_registries_d_parse(d, "t.yaml", yaml, strlen(yaml), &err) < 0)
    fail_msg("%s", err.msg);
  return d;
}

static const char *lookaside_of(const sc_registries_d *d, const char *repo, bool write)
{
  _cleanup_strv_ char **s = sc_docker_scopes("reg", repo, "v1", NULL);
  return sc_registries_d_lookaside(d, s, write, NULL);
}

static void test_registries_d_match(void **state)
{
  sc_registries_d *d = rd_parse("default-docker:\n  lookaside: file:///def\n"
                                "docker:\n"
                                "  reg:\n    sigstore: https://sigs/\n"
                                "    sigstore-staging: file:///stage\n"
                                "  reg/ns:\n    lookaside: file:///ns\n"
                                "  reg/ns/app:v1:\n    lookaside: file:///tagged\n"
                                "  reg/empty: {}\n");
  assert_string_equal(lookaside_of(d, "ns/app", false), "file:///tagged");
  assert_string_equal(lookaside_of(d, "ns/other", false), "file:///ns");
  assert_string_equal(lookaside_of(d, "ns/other", true), "file:///ns");
  assert_string_equal(lookaside_of(d, "top", false), "https://sigs/");
  assert_string_equal(lookaside_of(d, "top", true), "file:///stage");
  /* an entry without a URL does not hide the enclosing one */
  assert_string_equal(lookaside_of(d, "empty", false), "https://sigs/");
  _cleanup_strv_ char **s = sc_docker_scopes("elsewhere", "x", "v1", NULL);
  const char *where = NULL;
  assert_string_equal(sc_registries_d_lookaside(d, s, false, &where), "file:///def");
  assert_string_equal(where, "t.yaml: default-docker");
  sc_registries_d_free(d);
  d = rd_parse("");
  assert_null(lookaside_of(d, "x", false));
  sc_registries_d_free(d);
}

static void rd_bad(const char *yaml, const char *part, int line)
{
  sc_registries_d *d = sc_registries_d_new();
  sc_error err = SC_ERROR_INIT;
  if (sc_registries_d_parse(d, "t.yaml", yaml, strlen(yaml), &err) == 0)
    fail_msg("parsed: %s", yaml);
  if (strstr(err.msg, part) == NULL)
    fail_msg("'%s' lacks '%s'", err.msg, part);
  assert_string_equal(err.file, "t.yaml");
  assert_int_equal(err.line, line);
  sc_error_clear(&err);
  sc_registries_d_free(d);
}

static void test_registries_d_bad(void **state)
{
  rd_bad("docker: [a, b]\n", "takes a mapping", 1);
  rd_bad("docker:\n  reg:\n    lookaside: [x]\n", "takes a URL", 3);
  rd_bad("docker:\n  reg:\n    lookaside: a\n    sigstore: b\n", "given twice", 4);
  rd_bad("docker:\n  reg: {lookaside: a}\n  reg: {lookaside: b}\n", "configured in", 3);
  rd_bad("docker: {reg: {lookaside: \"a}\n", "not valid YAML", 2);
  rd_bad("- a\n- b\n", "is a mapping", 1);
  /* the same namespace in two files names the first */
  sc_registries_d *d = rd_parse("docker: {reg: {lookaside: a}}\n");
  sc_error err = SC_ERROR_INIT;
  const char *second = "docker: {reg: {lookaside: b}}\n";
  assert_int_equal(sc_registries_d_parse(d, "u.yaml", second, strlen(second), &err), -1);
  assert_non_null(strstr(err.msg, "t.yaml: docker: reg"));
  sc_error_clear(&err);
  sc_registries_d_free(d);
}

static void test_lookaside_url(void **state)
{
  _cleanup_free_ char *u = sc_lookaside_signature_url("file:///s/", "ns/app", DIGEST, 2);
  assert_string_equal(u, "file:///s/ns/app@sha256=0123456789abcdef0123456789abcdef0123456789abcd"
                         "ef0123456789abcdef/signature-2");
}

/* ---- payload ---- */

static void test_payload(void **state)
{
  _cleanup_free_ char *text = sc_signature_payload_format("reg/app:v1", DIGEST, "me", 42);
  assert_string_equal(text, "{\"critical\":{\"identity\":{\"docker-reference\":\"reg/app:v1\"},"
                            "\"image\":{\"docker-manifest-digest\":\"" DIGEST "\"},"
                            "\"type\":\"atomic container signature\"},"
                            "\"optional\":{\"creator\":\"me\",\"timestamp\":42}}");
  sc_signature_payload p;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_signature_payload_parse(text, strlen(text), &p, &err), 0);
  assert_string_equal(p.docker_reference, "reg/app:v1");
  assert_string_equal(p.docker_manifest_digest, DIGEST);
  assert_string_equal(p.creator, "me");
  assert_int_equal(p.timestamp, 42);
  sc_signature_payload_clear(&p);
  static const char *const bad[] = {
      "{\"critical\":{\"identity\":{\"docker-reference\":\"r/a:v\"},\"image\":{\"docker-"
      "manifest-digest\":\"" DIGEST "\"},\"type\":\"atomic container signature\",\"x\":1},"
      "\"optional\":{}}",
      "{\"critical\":{\"identity\":{\"docker-reference\":\"r/a:v\"},\"image\":{\"docker-"
      "manifest-digest\":\"" DIGEST "\"},\"type\":\"other\"},\"optional\":{}}",
      "{\"critical\":{\"identity\":{\"docker-reference\":\"r/a:v\"},\"image\":{\"docker-"
      "manifest-digest\":\"" DIGEST "\"},\"type\":\"atomic container signature\"}}",
      "{\"critical\":{\"identity\":{\"docker-reference\":1},\"image\":{\"docker-"
      "manifest-digest\":\"" DIGEST "\"},\"type\":\"atomic container signature\"},"
      "\"optional\":{}}",
      "[]",
      NULL};
  for (size_t i = 0; bad[i]; i++) {
    if (sc_signature_payload_parse(bad[i], strlen(bad[i]), &p, &err) == 0)
      fail_msg("parsed: %s", bad[i]);
    sc_error_clear(&err);
  }
}

/* ---- policy: reading ---- */

static void policy_bad(const char *json, const char *part, int line)
{
  sc_policy *p = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_policy_parse("p.json", json, strlen(json), &p, &err) == 0)
    fail_msg("parsed: %s", json);
  if (strstr(err.msg, part) == NULL)
    fail_msg("'%s' lacks '%s'", err.msg, part);
  assert_string_equal(err.file, "p.json");
  if (line)
    assert_int_equal(err.line, line);
  sc_error_clear(&err);
}

static void test_policy_bad(void **state)
{
  policy_bad("{}", "\"default\" is missing", 1);
  policy_bad("{\"default\": []}", "non-empty list", 1);
  policy_bad("{\"default\": [{\"type\": \"nope\"}]}", "unknown requirement type", 1);
  policy_bad("{\"default\": [{\"type\": \"reject\", \"x\": 1}]}", "unknown field \"x\"", 1);
  policy_bad("{\"default\": [{\"type\": \"reject\"}],\n \"transports\": {\"docker\": {\"h\":\n"
             "  [{\"type\": \"signedBy\", \"keyType\": \"GPGKeys\"}]}}}",
             "exactly one of keyPath", 3);
  policy_bad("{\"default\": [{\"type\": \"signedBy\", \"keyType\": \"GPGKeys\", \"keyPath\": "
             "\"k\", \"keyData\": \"a\"}]}",
             "exactly one of keyPath", 1);
  policy_bad("{\"default\": [{\"type\": \"signedBy\", \"keyType\": \"GPGKeys\", \"keyPath\": "
             "\"k\",\n \"signedIdentity\": {\"type\": \"exactReference\"}}]}",
             "dockerReference must be", 2);
  policy_bad("{\"default\": [{\"type\": \"signedBy\", \"keyType\": \"GPGKeys\", \"keyPath\": "
             "\"k\", \"signedIdentity\": {\"type\": \"exactRepository\", \"dockerRepository\": "
             "\"h/r:tag\"}}]}",
             "without a tag", 1);
  policy_bad("{\"default\": [{\"type\": \"reject\"}], \"default\": []}", "not JSON", 1);
  policy_bad("{\"default\": [{\"type\": \"reject\"}], \"transports\": {\"docker\": []}}",
             "an object of scopes", 1);
}

static sc_policy *policy_ok(const char *json)
{
  sc_policy *p = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_policy_parse("p.json", json, strlen(json), &p, &err) < 0)
    fail_msg("%s", err.msg);
  return p;
}

static int check(const sc_policy *p, const char *repo, const char *tag, const char *digest,
                 const sc_policy_signature *sigs, size_t count, char **msg)
{
  sc_policy_image img = {.host = "reg.example",
                         .repository = repo,
                         .tag = tag,
                         .digest = digest,
                         .manifest_digest = DIGEST};
  sc_error err = SC_ERROR_INIT;
  sc_policy_sources where = {"the test", "the test's attachments"};
  int rc = sc_policy_check(p, &img, sigs, count, &where, NULL, &err);
  *msg = err.msg ? xstrdup(err.msg) : NULL;
  sc_error_clear(&err);
  return rc;
}

static void test_policy_scopes(void **state)
{
  sc_policy *p = policy_ok("{\"default\": [{\"type\": \"reject\"}], \"transports\": {\"docker\": {"
                           "\"reg.example/ns\": [{\"type\": \"insecureAcceptAnything\"}],"
                           "\"reg.example/ns/app:bad\": [{\"type\": \"reject\"}],"
                           "\"reg.example\": [{\"type\": \"reject\"}],"
                           "\"\": [{\"type\": \"insecureAcceptAnything\"}]}}}");
  _cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL;
  assert_int_equal(check(p, "ns/app", "v1", NULL, NULL, 0, &m1), 0);
  assert_int_equal(check(p, "ns/app", "bad", NULL, NULL, 0, &m2), -1);
  assert_non_null(
      strstr(m2, "p.json, scope transports.docker[\"reg.example/ns/app:bad\"], requirement 1 "
                 "(reject)"));
  assert_int_equal(check(p, "other", "v1", NULL, NULL, 0, &m3), -1);
  assert_non_null(strstr(m3, "scope transports.docker[\"reg.example\"]"));
  sc_policy_image elsewhere = {
      .host = "x", .repository = "y", .tag = "v", .manifest_digest = DIGEST};
  assert_false(sc_policy_needs_signatures(p, &elsewhere));
  sc_policy_image rejected = {
      .host = "reg.example", .repository = "x", .tag = "v", .manifest_digest = DIGEST};
  assert_false(sc_policy_needs_signatures(p, &rejected));
  sc_policy_free(p);
  p = policy_ok("{\"default\": [{\"type\": \"reject\"}]}");
  assert_int_equal(check(p, "ns/app", "v1", NULL, NULL, 0, &m4), -1);
  assert_non_null(strstr(m4, "scope default"));
  sc_policy_free(p);
}

/* A named file is read (the CLI names the user's); without one, the
 * system's alone: the library reads no $HOME.  A missing named file is an
 * error naming it. */
static void test_policy_files(void **state)
{
  char home[] = "/tmp/sc-test-home-XXXXXX";
  assert_non_null(mkdtemp(home));
  _cleanup_free_ char *dir = xasprintf("%s/.config/containers", home);
  _cleanup_free_ char *file = xasprintf("%s/policy.json", dir);
  sc_error err = SC_ERROR_INIT;
  const char *json = "{\"default\": [{\"type\": \"reject\"}]}";
  assert_int_equal(sc_mkdir_p_at(AT_FDCWD, dir, 0755, &err), 0);
  assert_int_equal(sc_write_file_at(AT_FDCWD, file, json, strlen(json), 0644, &err), 0);
  const char *saved = getenv("HOME");
  _cleanup_free_ char *old_home = saved ? xstrdup(saved) : NULL;
  setenv("HOME", home, 1);
  sc_policy *p = NULL;
  assert_int_equal(sc_policy_load(file, &p, &err), 0);
  assert_string_equal(sc_policy_file(p), file);
  sc_policy_free(p);
  if (sc_policy_load(NULL, &p, &err) == 0) {
    assert_string_equal(sc_policy_file(p), SC_POLICY_SYSTEM);
    sc_policy_free(p);
  } else {
    assert_int_equal(err.code, ENOENT);
    sc_error_clear(&err);
  }
  _cleanup_free_ char *missing = xasprintf("%s/none.json", home);
  assert_int_equal(sc_policy_load(missing, &p, &err), -1);
  assert_non_null(strstr(err.msg, missing));
  sc_error_clear(&err);
  if (old_home)
    setenv("HOME", old_home, 1);
  assert_int_equal(sc_rm_rf_at(AT_FDCWD, home, &err), 0);
}

/* ---- signatures made with a throwaway key ---- */

typedef struct keyring {
  char home[64];
  char fpr[41];
  char *public_key;
  size_t public_len;
  char *other_key; /* the public key of another key pair */
  size_t other_len;
} keyring;

static int run_gpg(char *const argv[], const char *out_path)
{
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    execvp(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Make a key pair named uid in the keyring; its fingerprint and public key. */
static void make_key(const char *home, const char *uid, char fpr[41], char **pub, size_t *len)
{
  char *gen[] = {"gpg",       "--batch", "--passphrase", "",      "--quick-gen-key",
                 (char *)uid, "ed25519", "sign",         "never", NULL};
  assert_int_equal(run_gpg(gen, NULL), 0);
  _cleanup_free_ char *list = xasprintf("%s/list", home);
  char *ls[] = {"gpg", "--list-keys", "--with-colons", (char *)uid, NULL};
  assert_int_equal(run_gpg(ls, list), 0);
  _cleanup_free_ char *text = NULL;
  size_t text_len = 0;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_read_file_at(AT_FDCWD, list, &text, &text_len, &err), 0);
  char *line = strstr(text, "\nfpr:::::::::");
  assert_non_null(line);
  memcpy(fpr, line + strlen("\nfpr:::::::::"), 40);
  fpr[40] = '\0';
  _cleanup_free_ char *path = xasprintf("%s/pub.gpg", home);
  char *export[] = {"gpg", "--export", fpr, NULL};
  assert_int_equal(run_gpg(export, path), 0);
  assert_int_equal(sc_read_file_at(AT_FDCWD, path, pub, len, &err), 0);
}

static int make_keyring(void **state)
{
  keyring *k = xcalloc(1, sizeof *k);
  snprintf(k->home, sizeof k->home, "/tmp/sc-test-gpg-XXXXXX");
  assert_non_null(mkdtemp(k->home));
  setenv("GNUPGHOME", k->home, 1);
  char other_fpr[41];
  make_key(k->home, "other <o@example.com>", other_fpr, &k->other_key, &k->other_len);
  make_key(k->home, "sc test <t@example.com>", k->fpr, &k->public_key, &k->public_len);
  *state = k;
  return 0;
}

static int drop_keyring(void **state)
{
  keyring *k = *state;
  char *kill_agent[] = {"gpgconf", "--kill", "gpg-agent", NULL}; /* the one keygen started */
  run_gpg(kill_agent, NULL);
  sc_error err = SC_ERROR_INIT;
  sc_rm_rf_at(AT_FDCWD, k->home, &err);
  sc_error_clear(&err);
  free(k->public_key);
  free(k->other_key);
  free(k);
  return 0;
}

static char *sign(const keyring *k, const char *reference, const char *digest, size_t *len)
{
  _cleanup_free_ char *payload = sc_signature_payload_format(reference, digest, "t", 1);
  char *sig = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_gpg_sign(k->fpr, payload, strlen(payload), &sig, len, &err) < 0)
    fail_msg("%s", err.msg);
  return sig;
}

/* A policy for reg/... with one signedBy of the key (keyData) and identity. */
static sc_policy *signed_by(const keyring *k, const char *identity)
{
  size_t b64_len = 4 * ((k->public_len + 2) / 3);
  _cleanup_free_ char *b64 = xmalloc(b64_len + 1);
  EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)k->public_key, (int)k->public_len);
  _cleanup_free_ char *json =
      xasprintf("{\"default\": [{\"type\": \"reject\"}], \"transports\": {\"docker\": "
                "{\"reg.example\": [{\"type\": "
                "\"signedBy\", \"keyType\": \"GPGKeys\", \"keyData\": \"%s\"%s%s}]}}}",
                b64, identity ? ", \"signedIdentity\": " : "", identity ? identity : "");
  return policy_ok(json);
}

static bool accepted(const sc_policy *p, const char *tag, const char *digest, const char *sig,
                     size_t len, char **msg)
{
  sc_policy_signature s = {.data = sig, .len = len, .source = "sig-1"};
  free(*msg);
  return check(p, "ns/app", tag, digest, &s, 1, msg) == 0;
}

static void test_signed_identities(void **state)
{
  keyring *k = *state;
  size_t len_tag = 0, len_other = 0, len_repo = 0;
  _cleanup_free_ char *tagged = sign(k, "reg.example/ns/app:v1", DIGEST, &len_tag);
  _cleanup_free_ char *other_tag = sign(k, "reg.example/ns/app:v2", DIGEST, &len_other);
  _cleanup_free_ char *elsewhere = sign(k, "mirror.example/app:v1", DIGEST, &len_repo);
  _cleanup_free_ char *msg = NULL;
  sc_policy *p = signed_by(k, NULL); /* matchRepoDigestOrExact */
  assert_true(accepted(p, "v1", NULL, tagged, len_tag, &msg));
  assert_false(accepted(p, "v2", NULL, tagged, len_tag, &msg));
  assert_non_null(strstr(msg, "signs identity \"reg.example/ns/app:v1\""));
  assert_non_null(strstr(msg, "requirement 1 (signedBy, keyData)"));
  assert_true(accepted(p, NULL, DIGEST, other_tag, len_other, &msg));
  sc_policy_free(p);
  p = signed_by(k, "{\"type\": \"matchExact\"}");
  assert_true(accepted(p, "v1", NULL, tagged, len_tag, &msg));
  assert_false(accepted(p, NULL, DIGEST, tagged, len_tag, &msg));
  sc_policy_free(p);
  p = signed_by(k, "{\"type\": \"matchRepository\"}");
  assert_true(accepted(p, "v9", NULL, other_tag, len_other, &msg));
  assert_false(accepted(p, "v1", NULL, elsewhere, len_repo, &msg));
  sc_policy_free(p);
  p = signed_by(k,
                "{\"type\": \"exactReference\", \"dockerReference\": \"mirror.example/app:v1\"}");
  assert_true(accepted(p, "v7", NULL, elsewhere, len_repo, &msg));
  assert_false(accepted(p, "v1", NULL, tagged, len_tag, &msg));
  sc_policy_free(p);
  p = signed_by(k, "{\"type\": \"exactRepository\", \"dockerRepository\": \"mirror.example/app\"}");
  assert_true(accepted(p, "v7", NULL, elsewhere, len_repo, &msg));
  sc_policy_free(p);
  p = signed_by(k,
                "{\"type\": \"remapIdentity\", \"prefix\": \"reg.example/ns\", \"signedPrefix\": "
                "\"mirror.example\"}");
  assert_true(accepted(p, "v1", NULL, elsewhere, len_repo, &msg));
  assert_false(accepted(p, "v1", NULL, tagged, len_tag, &msg));
  sc_policy_free(p);
}

static void test_signature_refused(void **state)
{
  keyring *k = *state;
  size_t len = 0;
  _cleanup_free_ char *wrong_digest = sign(k, "reg.example/ns/app:v1", OTHER, &len);
  _cleanup_free_ char *msg = NULL;
  sc_policy *p = signed_by(k, NULL);
  assert_false(accepted(p, "v1", NULL, wrong_digest, len, &msg));
  assert_non_null(strstr(msg, "signs manifest " OTHER));
  /* a byte changed in the signed message */
  _cleanup_free_ char *tampered = sign(k, "reg.example/ns/app:v1", DIGEST, &len);
  tampered[len / 2] ^= 0x20;
  assert_false(accepted(p, "v1", NULL, tampered, len, &msg));
  assert_false(accepted(p, "v1", NULL, "not a signature", 15, &msg));
  assert_non_null(strstr(msg, "sig-1: "));
  /* none at all */
  free(msg);
  assert_int_equal(check(p, "ns/app", "v1", NULL, NULL, 0, &msg), -1);
  assert_non_null(strstr(msg, "no signature found (looked in the test); its publisher signs it"));
  sc_policy_free(p);
}

/* A key the policy does not name: refused by fingerprint; a key file
 * that holds no key: refused as such. */
static void test_other_key(void **state)
{
  keyring *k = *state;
  size_t len = 0;
  _cleanup_free_ char *sig = sign(k, "reg.example/ns/app:v1", DIGEST, &len);
  sc_signature_key other = {.data = k->other_key, .len = k->other_len};
  sc_signature_verifier *v = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_signature_verifier_new(&other, 1, NULL, &v, &err), 0);
  sc_signature_payload payload;
  _cleanup_free_ char *signer = NULL;
  assert_int_equal(sc_signature_verify(v, sig, len, &payload, &signer, &err), -1);
  assert_non_null(strstr(err.msg, "not one of the policy's"));
  sc_error_clear(&err);
  sc_signature_verifier_free(v);
  const char *junk = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n"
                     "-----END PGP PUBLIC KEY BLOCK-----\n";
  sc_signature_key key = {.data = junk, .len = strlen(junk)};
  assert_int_equal(sc_signature_verifier_new(&key, 1, NULL, &v, &err), -1);
  assert_null(v);
  sc_error_clear(&err);
}

/* The keyring directory of a verifier made without a tmpdir goes where
 * every scratch directory goes (sc_tmp_base: /var/tmp), not to /tmp. */
static size_t count_keyring_dirs(const char *dir)
{
  _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char **names = NULL;
  size_t n = 0;
  sc_error err = SC_ERROR_INIT;
  assert_true(fd >= 0);
  assert_int_equal(sc_list_dir_at(fd, &names, &err), 0);
  for (char **p = names; *p; p++)
    n += sc_str_has_prefix(*p, "sc-build-gpg-");
  sc_strv_free(names);
  return n;
}

static void test_default_tmpdir(void **state)
{
  keyring *k = *state;
  sc_signature_key key = {.data = k->other_key, .len = k->other_len};
  sc_signature_verifier *v = NULL;
  sc_error err = SC_ERROR_INIT;
  size_t before = count_keyring_dirs("/var/tmp");
  assert_int_equal(sc_signature_verifier_new(&key, 1, NULL, &v, &err), 0);
  assert_int_equal(count_keyring_dirs("/var/tmp"), before + 1);
  sc_signature_verifier_free(v);
  assert_int_equal(count_keyring_dirs("/var/tmp"), before);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scopes),           cmocka_unit_test(test_registries_d_match),
      cmocka_unit_test(test_registries_d_bad), cmocka_unit_test(test_lookaside_url),
      cmocka_unit_test(test_payload),          cmocka_unit_test(test_policy_bad),
      cmocka_unit_test(test_policy_scopes),    cmocka_unit_test(test_policy_files),
  };
  const struct CMUnitTest gpg_tests[] = {
      cmocka_unit_test(test_signed_identities),
      cmocka_unit_test(test_signature_refused),
      cmocka_unit_test(test_other_key),
      cmocka_unit_test(test_default_tmpdir),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  return failed + cmocka_run_group_tests(gpg_tests, make_keyring, drop_keyring);
}
