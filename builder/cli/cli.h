/* cli.h: what every sc-build command shares: global options, output. */
#ifndef SC_CLI_H
#define SC_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include <sc/diag.h>
#include <sc/error.h>

/* Exit codes (docs/sc-build.1, EXIT STATUS). */
enum { SC_EXIT_OK = 0, SC_EXIT_FAILED = 1, SC_EXIT_USAGE = 2 };

typedef struct sc_cli {
  const char *argv0;
  bool json;     /* one JSON document on stdout */
  bool quiet;    /* errors only */
  bool verbose;  /* more detail */
  bool color;    /* stderr is a terminal and NO_COLOR is unset */
  bool progress; /* stderr is a terminal and not --json/--quiet */
} sc_cli;

typedef int (*sc_command_fn)(sc_cli *cli, int argc, char **argv);

/* One option of a command, declared once: the parser (sc_cli_getopt
 * derives getopt_long's table from it), --help, the SYNOPSIS of
 * sc-build(1) (`sc-build help --man`) and `sc-build completion` all read
 * it, so none of them can drift from what is parsed. */
typedef struct sc_cli_option {
  const char *name;    /* the long name, without "--" */
  int has_arg;         /* getopt.h's no_argument, required_argument, optional_argument */
  int val;             /* what sc_cli_getopt returns; a letter of shortopts is -LETTER too */
  const char *metavar; /* the value's name in help ("DIR"); NULL without a value */
  const char *help;    /* one line for --help; every option has one (t0135) */
} sc_cli_option;
#define SC_CLI_OPTIONS_END                                                                         \
  {                                                                                                \
    NULL, 0, 0, NULL, NULL                                                                         \
  }

/* A command's interface: its options exactly as its parser reads them,
 * and what its --help says besides them. */
typedef struct sc_cli_options {
  const sc_cli_option *options; /* ends with SC_CLI_OPTIONS_END */
  const char *shortopts;        /* getopt's, without a leading '+' */
  /* What follows "sc-build CMD [OPTION]..." in the usage: one form a
   * line ("DIR\n--list"); "" when it takes no operand. */
  const char *operands;
  const char *about; /* prose after the usage line: what it does, notes */
} sc_cli_options;

/* One per command: main.c's command table, in `sc-build --help` order,
 * ending with a NULL name. */
typedef struct sc_cli_command {
  const char *name;
  sc_command_fn fn;
  const sc_cli_options *options;
  const char *summary;
} sc_cli_command;
const sc_cli_command *sc_cli_commands(void);
/* sc-build's own options, before the COMMAND. */
extern const sc_cli_options sc_cli_main_options;

/* One per builder/cli/cmd-NAME.c. argv[0] is the command name. */
int sc_cmd_init(sc_cli *cli, int argc, char **argv);
int sc_cmd_validate(sc_cli *cli, int argc, char **argv);
int sc_cmd_build(sc_cli *cli, int argc, char **argv);
int sc_cmd_inspect(sc_cli *cli, int argc, char **argv);
int sc_cmd_sbom(sc_cli *cli, int argc, char **argv);
int sc_cmd_import(sc_cli *cli, int argc, char **argv);
int sc_cmd_install(sc_cli *cli, int argc, char **argv);
int sc_cmd_update(sc_cli *cli, int argc, char **argv);
int sc_cmd_rollback(sc_cli *cli, int argc, char **argv);
int sc_cmd_uninstall(sc_cli *cli, int argc, char **argv);
int sc_cmd_list(sc_cli *cli, int argc, char **argv);
int sc_cmd_test(sc_cli *cli, int argc, char **argv);
int sc_cmd_run(sc_cli *cli, int argc, char **argv);
int sc_cmd_images(sc_cli *cli, int argc, char **argv);
int sc_cmd_rmi(sc_cli *cli, int argc, char **argv);
int sc_cmd_prune(sc_cli *cli, int argc, char **argv);
int sc_cmd_pull(sc_cli *cli, int argc, char **argv);
int sc_cmd_push(sc_cli *cli, int argc, char **argv);
int sc_cmd_login(sc_cli *cli, int argc, char **argv);
int sc_cmd_logout(sc_cli *cli, int argc, char **argv);
int sc_cmd_completion(sc_cli *cli, int argc, char **argv);
int sc_cmd_help(sc_cli *cli, int argc, char **argv);

/* Each command's option table, exported by its cmd-NAME.c. */
extern const sc_cli_options sc_cmd_init_options, sc_cmd_validate_options, sc_cmd_build_options,
    sc_cmd_inspect_options, sc_cmd_sbom_options, sc_cmd_import_options, sc_cmd_install_options,
    sc_cmd_update_options, sc_cmd_rollback_options, sc_cmd_uninstall_options, sc_cmd_list_options,
    sc_cmd_test_options, sc_cmd_run_options, sc_cmd_images_options, sc_cmd_rmi_options,
    sc_cmd_prune_options, sc_cmd_pull_options, sc_cmd_push_options, sc_cmd_login_options,
    sc_cmd_logout_options, sc_cmd_completion_options, sc_cmd_help_options;

/* Turn SIGINT/SIGTERM/SIGHUP/SIGPIPE into a flag that long operations poll
 * (signals.c). */
volatile const int *sc_cli_catch_interrupts(void);
/* Raise that flag from the program: its output cannot be written (EPIPE). */
void sc_cli_interrupt(void);

/* Parse a global option (--json, --quiet, --verbose) met inside a command's
 * own option loop; returns true when it was one. Commands call it from their
 * getopt_long loop for the SC_CLI_GLOBAL_OPTIONS entries. */
#define SC_OPT_JSON 0x1001
#define SC_OPT_QUIET 0x1002
#define SC_OPT_VERBOSE 0x1003
#define SC_OPT_HELP 'h'
/* --help lists them apart, last (help.c). */
#define SC_CLI_GLOBAL_OPTIONS                                                                      \
  {"json", no_argument, SC_OPT_JSON, NULL, "print one JSON document on stdout"},                   \
      {"quiet", no_argument, 'q', NULL, "print errors only"},                                      \
      {"verbose", no_argument, 'v', NULL, "more detail"},                                          \
  {                                                                                                \
    "help", no_argument, 'h', NULL, "show this help"                                               \
  }
#define SC_CLI_GLOBAL_SHORT "qvh"
bool sc_cli_global_option(sc_cli *cli, int opt);
/* Recompute color/progress after options are parsed. */
void sc_cli_finish_options(sc_cli *cli);

/* getopt_long for a command's options (command NULL: sc-build's own,
 * before the command), refusing what getopt_long lets through: an
 * abbreviation of a long option ("--os" read as "--ostree-mode") is an
 * unknown option, as are unknown ones, with the nearest names offered
 * ("did you mean '--from'?").  Every mistake, a missing value too, is '?'
 * with err set (SC_E_USAGE, naming the option and where to read the
 * usage); the command prints it (sc_cli_fail_clear). */
int sc_cli_getopt(const char *command, int argc, char **argv, const sc_cli_options *options,
                  sc_error *err);

/* A command's --help, made from its table (help.c): the usage lines, the
 * about text, then its options with their values and descriptions, the
 * command's own first, then the shared registry options, the global
 * options last.
 * command NULL: sc-build's own options and its commands. */
void sc_cli_print_help(FILE *out, const char *command, const sc_cli_options *o);
/* The letter of o's short form in shortopts, or 0 (run's -v is --volume:
 * the letter stands for the option that takes a value as it does). */
char sc_cli_option_short(const sc_cli_options *options, const sc_cli_option *o);
/* The troff SYNOPSIS of sc-build(1), every command's line from its table
 * (`sc-build help --man`; t0135 holds the man page to it). */
void sc_cli_print_man_synopsis(FILE *out);
/* "unknown command 'biuld'; did you mean 'build'?" (exit 2), for
 * sc-build itself and `sc-build help CMD`. */
int sc_cli_unknown_command(sc_cli *cli, const char *name);

/* Print an error once: "FILE:LINE:COL: error: msg" or "sc-build: error: msg",
 * or a JSON document {"ok": false, "error": {...}} with --json.  Returns the
 * exit code for err (2 for SC_E_USAGE, else 1). */
int sc_cli_fail(sc_cli *cli, const sc_error *err);
/* sc_cli_fail, then clear err. */
int sc_cli_fail_clear(sc_cli *cli, sc_error *err);
/* Report a usage error ("see sc-build CMD --help") and return 2. */
int sc_cli_usage_error(sc_cli *cli, const char *command, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A whole decimal number in [min, max] as an option's value: 0, or a usage
 * error naming the option and the range (exit 2). */
int sc_cli_parse_number(sc_cli *cli, const char *command, const char *option, const char *text,
                        long min, long max, long *out);

/* SOURCE_DATE_EPOCH (reproducible-builds.org) from the environment, read
 * here only (environment.c): 0, or the exit code of the error printed. */
int sc_cli_source_date_epoch(sc_cli *cli, int64_t *out);
/* The same, for a command that has another date to fall back on: *set
 * says whether SOURCE_DATE_EPOCH is set at all. */
int sc_cli_source_date_epoch_if_set(sc_cli *cli, bool *set, int64_t *out);
/* SC_PUSH_BACKOFF_MS: the first delay before a registry request is retried,
 * in milliseconds (tests shorten it); 0, the library's default, when unset
 * or not a number from 1 to 600000. */
long sc_cli_backoff_ms(void);
/* TMPDIR: where the library makes its temporary directories (the tmpdir
 * options); NULL, the library's /var/tmp, when unset or empty. */
const char *sc_cli_tmpdir(void);
/* ATOMIC_OSTREE_REPO: atomic's OSTree repository, as atomic reads it, for
 * an update of what atomic installed; NULL when unset or empty. */
const char *sc_cli_atomic_ostree_repo(void);
/* $XDG_CACHE_HOME/sc-build/<leaf> (XDG_CACHE_HOME when absolute), else
 * ~/.cache/sc-build/<leaf>; the directory itself when leaf is NULL; NULL
 * when there is no HOME either.  Newly allocated: the cache options of the
 * library (layers, pulled bases, the registry blob record) are filled from
 * it. */
char *sc_cli_cache_path(const char *leaf);
/* PATH: where a program named without a '/' (--runtime NAME) is looked
 * for; NULL, the library's default list, when unset or empty. */
const char *sc_cli_search_path(void);
/* <datadir>/<sub> (newly allocated), checked to be a directory: the data
 * directory is $SC_BUILD_DATADIR, else <dir of the executable>/../share/sc-build
 * when it exists (a build tree or a relocated install), else the configured
 * install path. */
int sc_cli_datadir_sub(const char *sub, char **out, sc_error *err);
/* What containers-auth.json(5) reads from the environment, for the auth
 * file lookups (registry-auth.h). */
struct sc_auth_env sc_cli_auth_env(void);
/* $XDG_CONFIG_HOME/SUFFIX, else $HOME/.config/SUFFIX (XDG base directory
 * spec; relative values are ignored, as it says), else NULL: the user's
 * containers/certs.d and containers/registries.conf. */
char *sc_cli_user_config_path(const char *suffix);
/* The registries.conf files in containers-registries.conf.d(5)'s order, as
 * containers/image picks them: --registries-conf FILE, else the user's
 * containers/registries.conf when it exists (which replaces the system's
 * file and drop-in directory), else /etc/containers/registries.conf; then
 * the drop-in directories (NULL-terminated in dirs). */
void sc_cli_registries_conf_files(const char *option_file, char **file, char *dirs[3]);
/* The user's containers-policy.json(5), $HOME/.config/containers/policy.json,
 * when it exists (newly allocated), else NULL: the library then reads
 * the system's. */
char *sc_cli_user_policy_file(void);
/* The user's containers-registries.d(5) directory,
 * $XDG_CONFIG_HOME/containers/registries.d (~/.config/...), when it exists
 * (newly allocated), else NULL: the library then reads the system's. */
char *sc_cli_user_registries_d(void);

/* Print diagnostics as a compiler does, one per line on stderr. */
void sc_cli_print_diags(sc_cli *cli, const sc_diags *diags);
/* Diagnostics as a JSON array. */
json_t *sc_cli_diags_json(const sc_diags *diags);
json_t *sc_cli_error_json(const sc_error *err);
/* Print a JSON document on stdout (indented, sorted keys) and free it. */
void sc_cli_print_json(json_t *doc);
/* Per-blob progress on a terminal (cli->progress): one line per blob on
 * stderr, each rewritten in place (ANSI cursor moves) as its blob moves,
 * so blobs sent in parallel each keep their own bar. */
typedef struct sc_cli_progress {
  char **keys;
  char **lines; /* what each line shows now */
  size_t count;
} sc_cli_progress;

void sc_cli_progress_update(sc_cli_progress *p, const char *digest, const char *state, int64_t done,
                            int64_t total);
/* Show a line of one's own under key (new key: a new line). */
void sc_cli_progress_show(sc_cli_progress *p, const char *key, const char *line);
#define SC_CLI_BAR_WIDTH 24
void sc_cli_progress_bar(char bar[SC_CLI_BAR_WIDTH + 1], int64_t done, int64_t total);
void sc_cli_progress_clear(sc_cli_progress *p);
/* --verbose: one registry request per line on stderr (sc_registry_log_fn). */
void sc_cli_log_request(const char *method, const char *path, long status, const char *origin,
                        void *user);
/* --digestfile FILE (push, build): the digest and a newline, as skopeo
 * writes it. */
int sc_cli_write_digestfile(const char *path, const char *digest, sc_error *err);
/* Before the work: a --digestfile that cannot be written would fail the
 * job after the image is published or built. */
int sc_cli_check_digestfile(const char *path, sc_error *err);
/* Progress/info line on stderr unless --quiet or --json. */
void sc_cli_info(sc_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
