/* options.c: every command's getopt_long, with what it lets through by
 * surprise made usage errors, and a "did you mean" for a mistyped option
 * (cli.h, sc_cli_getopt). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "util.h"

/* "(see 'sc-build CMD --help')", or sc-build's own for its global options. */
static char *help_hint(const char *command)
{
  return command ? xasprintf("(see 'sc-build %s --help')", command)
                 : xstrdup("(see 'sc-build --help')");
}

/* err is "WHAT (see ...)"; what is freed. */
static int usage_error(sc_error *err, const char *command, char *what)
{
  _cleanup_free_ char *hint = help_hint(command);
  sc_error_set(err, SC_E_USAGE, "%s %s", what, hint);
  free(what);
  return '?';
}

/* The long option names of the table, for the suggestions (to free). */
static const char **option_names(const struct option *options, size_t *count)
{
  size_t n = 0;
  while (options[n].name)
    n++;
  const char **names = xcalloc(n + 1, sizeof *names);
  for (size_t i = 0; i < n; i++)
    names[i] = options[i].name;
  *count = n;
  return names;
}

static bool offered(const sc_suggestions *s, const char *name)
{
  for (size_t i = 0; i < s->count; i++)
    if (strcmp(s->names[i], name) == 0)
      return true;
  return false;
}

/* "unknown option '--WORD'" and the options it may have meant: word is
 * what was typed after "--", up to a '='. */
static int unknown_long(sc_error *err, const char *command, const struct option *options,
                        const char *typed, const char *abbreviates)
{
  size_t len = strcspn(typed + 2, "=");
  _cleanup_free_ char *word = strndup(typed + 2, len);
  if (word == NULL)
    abort();
  sc_suggestions s;
  size_t count = 0;
  _cleanup_free_ const char **names = option_names(options, &count);
  sc_suggest(word, names, count, &s);
  /* An abbreviation offers what getopt_long took it for, at least. */
  if (abbreviates && !offered(&s, abbreviates))
    s = (sc_suggestions){.names = {abbreviates}, .count = 1};
  _cleanup_free_ char *phrase = sc_suggest_phrase(&s, "--");
  if (s.count == 0)
    return usage_error(err, command, xasprintf("unknown option '--%s'", word));
  /* The names offered say what to do: no need to send the user to --help. */
  sc_error_set(err, SC_E_USAGE, "unknown option '--%s'%s%s", word,
               abbreviates ? " (options are not abbreviated)" : "", phrase);
  return '?';
}

/* Whether getopt_long's complaint with optopt set is about the long
 * option typed: the short option of a cluster ("-xq") leaves the element
 * before it at optind - 1, maybe a long option. */
static const struct option *complaint_is_long(const char *typed, const struct option *options)
{
  if (strncmp(typed, "--", 2) != 0 || typed[2] == '\0')
    return NULL;
  size_t len = strcspn(typed + 2, "=");
  for (const struct option *o = options; o->name; o++)
    if (o->val == optopt && strncmp(o->name, typed + 2, len) == 0)
      return o;
  return NULL;
}

/* ": --set K=V", what a missing value looks like, from the table's
 * metavar ("" when the table has none). */
static char *value_hint(const sc_cli_options *table, const char *typed, size_t len)
{
  for (const sc_cli_option *o = table->options; o->name; o++) {
    bool is_long =
        typed[1] == '-' && strlen(o->name) == len - 2 && strncmp(o->name, typed + 2, len - 2) == 0;
    bool is_short = typed[1] != '-' && o->has_arg == required_argument &&
                    sc_cli_option_short(table, o) == typed[1];
    if ((is_long || is_short) && o->metavar)
      return xasprintf(": %.*s %s", (int)len, typed, o->metavar);
  }
  return xstrdup("");
}

/* getopt_long said '?': an unknown or ambiguous long option (optopt 0), a
 * long option without its value or with one it does not take, an unknown
 * short option or one without its value. */
static int explain(sc_error *err, const char *command, char **argv, const sc_cli_options *table,
                   const struct option *options)
{
  const char *typed = optind > 0 ? argv[optind - 1] : "";
  if (optopt == 0 && strncmp(typed, "--", 2) == 0)
    return unknown_long(err, command, options, typed, NULL);
  char *what = NULL;
  const struct option *o = complaint_is_long(typed, options);
  /* getopt_long complains about the value before check_full_name could
   * see the name: "--ostree" last on the line is no "--ostree-mode". */
  if (o && strlen(o->name) != strcspn(typed + 2, "="))
    return unknown_long(err, command, options, typed, o->name);
  if (o) {
    size_t len = strcspn(typed, "=");
    _cleanup_free_ char *hint = typed[len] == '=' ? xstrdup("") : value_hint(table, typed, len);
    what = xasprintf("option '%.*s' %s%s", (int)len, typed,
                     typed[len] == '=' ? "takes no value" : "needs a value", hint);
  } else {
    bool is_char = optopt > 0 && optopt < 256;
    const char *known = is_char ? strchr(table->shortopts, optopt) : NULL;
    char flag[3] = {'-', is_char ? (char)optopt : '?', '\0'};
    _cleanup_free_ char *hint = known ? value_hint(table, flag, 2) : NULL;
    what = known ? xasprintf("option '%s' needs a value%s", flag, hint)
                 : xasprintf("unknown option '%s'", flag);
  }
  return usage_error(err, command, what);
}

/* The option getopt_long matched is written in full: getopt_long also
 * takes any unambiguous beginning ("--os" for "--ostree-mode"), which
 * would change meaning the day an option of that name is added. */
static int check_full_name(sc_error *err, const char *command, char **argv,
                           const struct option *options, int index)
{
  const struct option *o = &options[index];
  /* A value given apart ("--root DIR") is the last element read. */
  int at = o->has_arg != no_argument && optarg != NULL && optarg == argv[optind - 1] ? optind - 2
                                                                                     : optind - 1;
  const char *typed = argv[at];
  size_t len = strcspn(typed + 2, "=");
  if (strncmp(typed, "--", 2) == 0 && strlen(o->name) == len &&
      strncmp(typed + 2, o->name, len) == 0)
    return 0;
  return unknown_long(err, command, options, typed, o->name);
}

/* getopt_long's table from ours (to free): the same options in the same
 * order, so the index it returns is an index of both. */
static struct option *getopt_table(const sc_cli_option *options)
{
  size_t n = 0;
  while (options[n].name)
    n++;
  struct option *table = xcalloc(n + 1, sizeof *table);
  for (size_t i = 0; i < n; i++)
    table[i] = (struct option){options[i].name, options[i].has_arg, NULL, options[i].val};
  return table;
}

int sc_cli_getopt(const char *command, int argc, char **argv, const sc_cli_options *table,
                  sc_error *err)
{
  opterr = 0; /* getopt_long would print its own message, before --json is known */
  /* Made again at each call: getopt_long keeps no pointer into it between
   * calls, and the tables stay constant data. */
  _cleanup_free_ struct option *options = getopt_table(table->options);
  int index = -1;
  int opt = getopt_long(argc, argv, table->shortopts, options, &index);
  if (opt == '?')
    return explain(err, command, argv, table, options);
  if (opt != -1 && index >= 0 && check_full_name(err, command, argv, options, index) != 0)
    return '?';
  return opt;
}

int sc_cli_fail_clear(sc_cli *cli, sc_error *err)
{
  int rc = sc_cli_fail(cli, err);
  sc_error_clear(err);
  return rc;
}
