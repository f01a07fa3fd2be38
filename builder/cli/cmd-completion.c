/* cmd-completion.c: `sc-build completion bash|zsh`: a completion script
 * generated at run time from the option tables the parser reads (main.c's
 * command table, cli.h), so that completion offers exactly what parses. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const sc_cli_option completion_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_completion_options = {
    .options = completion_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "bash|zsh",
    .about = "Print a completion script for bash or zsh, made from the option tables the\n"
             "parser reads: the commands, their options, which options take a value, and\n"
             "files or directories where the value is a path.  Load it with\n"
             "  source <(sc-build completion bash)\n"
             "  source <(sc-build completion zsh)    (zsh, after compinit)\n"
             "or install it as share/bash-completion/completions/sc-build or\n"
             "share/zsh/site-functions/_sc-build (the CMake install does).\n",
};

/* What an option's value is, by the option's long name: the tables say
 * whether there is a value, not what it is.  A name missing here takes
 * free text (a tag, a label, a number), completed with nothing. */
typedef enum { VALUE_TEXT, VALUE_FILE, VALUE_DIR, VALUE_WORDS } value_kind;

typedef struct value_hint {
  const char *option;
  value_kind kind;
  const char *words; /* VALUE_WORDS: the values, space-separated */
} value_hint;

static const value_hint value_hints[] = {
    {"output", VALUE_FILE, NULL},
    {"digestfile", VALUE_FILE, NULL},
    {"authfile", VALUE_FILE, NULL},
    {"policy", VALUE_FILE, NULL},
    {"registries-conf", VALUE_FILE, NULL},
    {"sign-by-sigstore-private-key", VALUE_FILE, NULL},
    {"sign-passphrase-file", VALUE_FILE, NULL},
    {"runtime", VALUE_FILE, NULL},
    {"volume", VALUE_FILE, NULL},
    {"from", VALUE_FILE, NULL}, /* oci:PATH and the other local transports */
    {"image", VALUE_FILE, NULL},
    {"repo", VALUE_DIR, NULL},
    {"root", VALUE_DIR, NULL},
    {"layout", VALUE_DIR, NULL},
    {"cert-dir", VALUE_DIR, NULL},
    {"registries.d", VALUE_DIR, NULL},
    {"format", VALUE_WORDS, "oci oci-archive docker-archive ostree"},
    {"compression", VALUE_WORDS, "gzip zstd"},
    {"ostree-mode", VALUE_WORDS, "bare bare-user archive"},
    {"mode", VALUE_WORDS, "bare bare-user archive"},
    {"net", VALUE_WORDS, "host none"},
    {"tls-verify", VALUE_WORDS, "true false"},
    {NULL, VALUE_TEXT, NULL},
};

static const value_hint *hint_for(const char *option)
{
  for (const value_hint *h = value_hints; h->option; h++)
    if (strcmp(h->option, option) == 0)
      return h;
  return &value_hints[sizeof value_hints / sizeof value_hints[0] - 1];
}

/* The long option a short one that takes a value stands for (run's -v is
 * --volume, not the global --verbose), or NULL. */
static const sc_cli_option *long_of_short(const sc_cli_options *o, char c)
{
  for (const sc_cli_option *l = o->options; l->name; l++)
    if (sc_cli_option_short(o, l) == c && l->has_arg != no_argument)
      return l;
  return NULL;
}

/* The words a command's operands are: `completion` takes a shell name,
 * `help` a command name, the others paths (NULL). */
static char *operand_words(const char *command)
{
  if (strcmp(command, "completion") == 0)
    return xstrdup("bash zsh");
  if (strcmp(command, "help") != 0)
    return NULL;
  sc_buf words = SC_BUF_INIT;
  for (const sc_cli_command *c = sc_cli_commands(); c->name; c++)
    sc_buf_printf(&words, "%s%s", words.len ? " " : "", c->name);
  return sc_buf_steal(&words);
}

/* "--a --b -x -y" */
static void bash_option_words(FILE *out, const sc_cli_options *o)
{
  const char *sep = "";
  for (const sc_cli_option *l = o->options; l->name; l++, sep = " ")
    fprintf(out, "%s--%s", sep, l->name);
  for (const char *s = o->shortopts; *s; s++)
    if (*s != ':' && *s != '+')
      fprintf(out, " -%c", *s);
}

static void bash_value_case(FILE *out, const char *pattern, const value_hint *h)
{
  static const char *const kinds[] = {"text", "file", "dir", "words"};
  fprintf(out, "    %s) kind=%s", pattern, kinds[h->kind]);
  if (h->kind == VALUE_WORDS)
    fprintf(out, " words='%s'", h->words);
  fputs(" ;;\n", out);
}

/* The options of o that take their value in the next word, and what that
 * value is; optional values (--tls-verify=false) come only after '='. */
static void bash_value_cases(FILE *out, const sc_cli_options *o)
{
  for (const sc_cli_option *l = o->options; l->name; l++) {
    if (l->has_arg == no_argument)
      continue;
    char pattern[128];
    if (l->has_arg == optional_argument)
      snprintf(pattern, sizeof pattern, "--%s=", l->name);
    else
      snprintf(pattern, sizeof pattern, "--%s | --%s=", l->name, l->name);
    bash_value_case(out, pattern, hint_for(l->name));
  }
  for (const char *s = o->shortopts; *s; s++) {
    if (s[1] != ':' || *s == ':')
      continue;
    const sc_cli_option *l = long_of_short(o, *s);
    char pattern[4] = {'-', *s, '\0', '\0'};
    bash_value_case(out, pattern, l ? hint_for(l->name) : &value_hints[0]);
  }
}

static const char bash_main[] =
    "# The command: the first word that is no option (sc-build's own take no\n"
    "# value).  bash splits --opt=VALUE at '=' (COMP_WORDBREAKS): the option is\n"
    "# then two words back, and is matched with its '='.\n"
    "_sc_build() {\n"
    "  local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i w kind= words= opts= operands=\n"
    "  COMPREPLY=()\n"
    "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
    "    w=${COMP_WORDS[i]}\n"
    "    if [[ $w != -* ]]; then cmd=$w; break; fi\n"
    "  done\n"
    "  if [[ -z $cmd ]]; then\n"
    "    if [[ $cur == -* ]]; then words=$_sc_build_global; else words=$_sc_build_commands; fi\n"
    "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
    "    return 0\n"
    "  fi\n"
    "  prev=${COMP_WORDS[COMP_CWORD-1]}\n"
    "  if [[ $cur == = ]]; then\n"
    "    prev=$prev=; cur=\n"
    "  elif [[ $prev == = && COMP_CWORD -gt 2 ]]; then\n"
    "    prev=${COMP_WORDS[COMP_CWORD-2]}=\n"
    "  fi\n"
    "  ((COMP_CWORD - 1 > i)) || prev=\n"
    "  _sc_build_command \"$cmd\" \"$prev\" || return 0\n"
    "  case $kind in\n"
    "  file) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
    "  dir) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
    "  words) COMPREPLY=($(compgen -W \"$words\" -- \"$cur\")) ;;\n"
    "  text) ;;\n"
    "  *)\n"
    "    if [[ $cur == -* ]]; then\n"
    "      COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
    "    elif [[ -n $operands ]]; then\n"
    "      COMPREPLY=($(compgen -W \"$operands\" -- \"$cur\"))\n"
    "    else\n"
    "      COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    "    fi\n"
    "    ;;\n"
    "  esac\n"
    "  return 0\n"
    "}\n"
    "complete -o filenames -F _sc_build sc-build\n";

static void print_bash(FILE *out)
{
  const sc_cli_command *commands = sc_cli_commands();
  fprintf(out,
          "# bash completion for sc-build %s, generated by `sc-build completion bash`\n"
          "# from the option tables its parser reads.\n",
          SC_VERSION);
  fputs("_sc_build_global='", out);
  bash_option_words(out, &sc_cli_main_options);
  fputs("'\n_sc_build_commands='", out);
  for (const sc_cli_command *c = commands; c->name; c++)
    fprintf(out, "%s%s", c == commands ? "" : " ", c->name);
  fputs("'\n\n# $1: the command, $2: the word before the cursor. Sets opts, operands,\n"
        "# and kind (text, file, dir, words) when $2 is an option wanting a value.\n"
        "_sc_build_command() {\n  case $1 in\n",
        out);
  for (const sc_cli_command *c = commands; c->name; c++) {
    _cleanup_free_ char *operands = operand_words(c->name);
    fprintf(out, "  %s)\n    opts='", c->name);
    bash_option_words(out, c->options);
    fprintf(out, "'\n    operands='%s'\n    case $2 in\n", operands ? operands : "");
    bash_value_cases(out, c->options);
    fputs("    esac\n    ;;\n", out);
  }
  fputs("  *) return 1 ;;\n  esac\n}\n\n", out);
  fputs(bash_main, out);
}

/* s in a zsh single-quoted word (without its quotes), with _describe's
 * ':' escaped. */
static void zsh_quoted(FILE *out, const char *s)
{
  for (; *s; s++) {
    if (*s == '\'')
      fputs("'\\''", out);
    else if (*s == ':')
      fputs("\\:", out);
    else
      fputc(*s, out);
  }
}

static void zsh_action(FILE *out, const value_hint *h)
{
  switch (h->kind) {
  case VALUE_FILE:
    fputs("_files", out);
    break;
  case VALUE_DIR:
    fputs("_files -/", out);
    break;
  case VALUE_WORDS:
    fprintf(out, "(%s)", h->words);
    break;
  case VALUE_TEXT:
    fputs(" ", out);
    break;
  }
}

/* One _arguments spec per option: --name, --name=:value:ACTION,
 * --name=-::value:ACTION (optional, after '=' only), -c+:value:ACTION. */
static void zsh_specs(FILE *out, const sc_cli_options *o)
{
  for (const sc_cli_option *l = o->options; l->name; l++) {
    fprintf(out, " \\\n        '--%s", l->name);
    if (l->has_arg != no_argument) {
      fputs(l->has_arg == optional_argument ? "=-::value:" : "=:value:", out);
      zsh_action(out, hint_for(l->name));
    }
    fputc('\'', out);
  }
  for (const char *s = o->shortopts; *s; s++) {
    if (*s == ':' || *s == '+')
      continue;
    fprintf(out, " \\\n        '-%c", *s);
    if (s[1] == ':') {
      const sc_cli_option *l = long_of_short(o, *s);
      fputs("+:value:", out);
      zsh_action(out, l ? hint_for(l->name) : &value_hints[0]);
    }
    fputc('\'', out);
  }
}

static void print_zsh(FILE *out)
{
  const sc_cli_command *commands = sc_cli_commands();
  fprintf(out,
          "#compdef sc-build\n"
          "# zsh completion for sc-build %s, generated by `sc-build completion zsh`\n"
          "# from the option tables its parser reads.\n\n"
          "_sc_build() {\n"
          "  local curcontext=$curcontext state line ret=1\n"
          "  local -a commands\n"
          "  commands=(",
          SC_VERSION);
  for (const sc_cli_command *c = commands; c->name; c++) {
    fprintf(out, "\n    '%s:", c->name);
    zsh_quoted(out, c->summary);
    fputc('\'', out);
  }
  fputs(")\n  _arguments -C", out);
  zsh_specs(out, &sc_cli_main_options);
  fputs(" \\\n        '1:command:->command' '*::argument:->argument' && ret=0\n"
        "  case $state in\n"
        "  command) _describe -t commands 'sc-build command' commands && ret=0 ;;\n"
        "  argument)\n"
        "    curcontext=${curcontext%:*:*}:sc-build-$line[1]:\n"
        "    case $line[1] in\n",
        out);
  for (const sc_cli_command *c = commands; c->name; c++) {
    _cleanup_free_ char *operands = operand_words(c->name);
    fprintf(out, "    %s)\n      _arguments", c->name);
    zsh_specs(out, c->options);
    if (operands)
      fprintf(out, " \\\n        '*:argument:(%s)' && ret=0 ;;\n", operands);
    else
      fputs(" \\\n        '*:argument:_files' && ret=0 ;;\n", out);
  }
  /* Autoloaded from $fpath as _sc-build, the file is the function's body:
   * complete.  Sourced after compinit (no completion is running then):
   * only register the function. */
  fputs("    esac ;;\n  esac\n  return ret\n}\n\n"
        "if [[ $funcstack[1] == _sc-build ]]; then\n"
        "  _sc_build \"$@\"\n"
        "else\n"
        "  compdef _sc_build sc-build\n"
        "fi\n",
        out);
}

int sc_cmd_completion(sc_cli *cli, int argc, char **argv)
{
  sc_error err = SC_ERROR_INIT;
  int opt;
  while ((opt = sc_cli_getopt("completion", argc, argv, &sc_cmd_completion_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "completion", &sc_cmd_completion_options);
      return SC_EXIT_OK;
    }
    sc_cli_global_option(cli, opt);
  }
  sc_cli_finish_options(cli);
  if (optind != argc - 1)
    return sc_cli_usage_error(cli, "completion", "completion takes one SHELL: bash or zsh");
  const char *shell = argv[optind];
  void (*print)(FILE *) = strcmp(shell, "bash") == 0  ? print_bash
                          : strcmp(shell, "zsh") == 0 ? print_zsh
                                                      : NULL;
  if (print == NULL)
    return sc_cli_usage_error(cli, "completion", "unknown shell '%s': bash or zsh", shell);
  if (!cli->json) {
    print(stdout);
    return SC_EXIT_OK;
  }
  /* --json holds here too: the script as a string of one document. */
  char *script = NULL;
  size_t size = 0;
  FILE *mem = open_memstream(&script, &size);
  if (mem == NULL)
    abort();
  print(mem);
  fclose(mem);
  sc_cli_print_json(json_pack("{s:b,s:s,s:s%}", "ok", 1, "shell", shell, "script", script, size));
  free(script);
  return SC_EXIT_OK;
}
