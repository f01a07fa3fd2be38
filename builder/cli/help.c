/* help.c: every command's --help and the SYNOPSIS of sc-build(1), made
 * from the option tables the parser reads (cli.h, sc_cli_option). */
#include "cli.h"
#include "registry-args.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* Where the descriptions start, and the width they are wrapped to. */
#define HELP_COLUMN 28
#define HELP_WIDTH 79

char sc_cli_option_short(const sc_cli_options *options, const sc_cli_option *o)
{
  if (o->val <= 0 || o->val >= 128 || o->val == ':' || o->val == '+')
    return 0;
  const char *at = strchr(options->shortopts, o->val);
  if (at == NULL)
    return 0;
  bool takes_value = at[1] == ':';
  return takes_value == (o->has_arg == required_argument) ? (char)o->val : 0;
}

/* Print len bytes of text from column `col`, wrapped at word boundaries
 * to HELP_WIDTH, going on at column `indent`; ends the line. */
static void print_wrapped(FILE *out, const char *text, size_t len, int col, int indent)
{
  const char *p = text, *end = text + len;
  bool first = true;
  while (p < end) {
    size_t word = strcspn(p, " \n");
    if (p + word > end)
      word = (size_t)(end - p);
    if (!first && col + 1 + (int)word > HELP_WIDTH) {
      fprintf(out, "\n%*s", indent, "");
      col = indent;
    } else if (!first) {
      fputc(' ', out);
      col++;
    }
    fprintf(out, "%.*s", (int)word, p);
    col += (int)word;
    p += word;
    while (p < end && (*p == ' ' || *p == '\n'))
      p++;
    first = false;
  }
  fputc('\n', out);
}

/* A command's prose: its paragraphs (lines up to a blank or an indented
 * one) filled to HELP_WIDTH, so the table's text need not be; an indented
 * line (a command to type) is kept as it is. */
static void print_prose(FILE *out, const char *text)
{
  const char *p = text;
  while (*p) {
    size_t line = strcspn(p, "\n");
    if (line == 0 || *p == ' ') {
      fprintf(out, "%.*s\n", (int)line, p);
      p += line + (p[line] == '\n');
      continue;
    }
    const char *start = p;
    do {
      line = strcspn(p, "\n");
      p += line + (p[line] == '\n');
    } while (*p && *p != '\n' && *p != ' ');
    print_wrapped(out, start, (size_t)(p - start), 0, 0);
  }
}

/* "  -o, --output DEST" then its description. */
static void print_option(FILE *out, const sc_cli_options *options, const sc_cli_option *o)
{
  char letter = sc_cli_option_short(options, o);
  int col =
      letter ? fprintf(out, "  -%c, --%s", letter, o->name) : fprintf(out, "      --%s", o->name);
  if (o->has_arg == optional_argument)
    col += fprintf(out, "[=%s]", o->metavar ? o->metavar : "VALUE");
  else if (o->has_arg == required_argument)
    col += fprintf(out, " %s", o->metavar ? o->metavar : "VALUE");
  if (col + 2 > HELP_COLUMN) {
    fputc('\n', out);
    col = 0;
  }
  fprintf(out, "%*s", HELP_COLUMN - col, "");
  const char *help = o->help ? o->help : "";
  print_wrapped(out, help, strlen(help), col > HELP_COLUMN ? col : HELP_COLUMN, HELP_COLUMN);
}

/* The option groups commands share, in the order --help lists them after
 * the command's own options: an option belongs to one when it is one of
 * its members (the same name and value), as the macro put it there. */
static const sc_cli_option registry_members[] = {SC_CLI_REGISTRY_OPTIONS, SC_CLI_OPTIONS_END};
static const sc_cli_option global_members[] = {SC_CLI_GLOBAL_OPTIONS, SC_CLI_OPTIONS_END};
typedef struct option_group {
  const char *name;    /* in the man page's SYNOPSIS: "[registry options]" */
  const char *heading; /* in --help */
  const sc_cli_option *members;
} option_group;
static const option_group groups[] = {
    {"registry options", "registry options (docker:// images; see sc-build(1))", registry_members},
    {"global options", "global options", global_members},
};
#define GROUP_COUNT (int)(sizeof groups / sizeof groups[0])
#define OWN (-1)
#define GLOBAL (GROUP_COUNT - 1)

/* The index of o's group in groups, or OWN. */
static int group_of(const sc_cli_option *o)
{
  for (int g = 0; g < GROUP_COUNT; g++)
    for (const sc_cli_option *m = groups[g].members; m->name; m++)
      if (m->val == o->val && strcmp(m->name, o->name) == 0)
        return g;
  return OWN;
}

static bool has_group(const sc_cli_options *options, int group)
{
  for (const sc_cli_option *o = options->options; o->name; o++)
    if (group_of(o) == group)
      return true;
  return false;
}

static void print_group(FILE *out, const sc_cli_options *options, int group)
{
  if (!has_group(options, group))
    return;
  fprintf(out, "\n%s:\n", group == OWN ? "options" : groups[group].heading);
  for (const sc_cli_option *o = options->options; o->name; o++)
    if (group_of(o) == group)
      print_option(out, options, o);
}

void sc_cli_print_help(FILE *out, const char *command, const sc_cli_options *o)
{
  const char *form = o->operands;
  const char *lead = "usage:";
  do {
    size_t len = strcspn(form, "\n");
    fprintf(out, "%s sc-build%s%s [OPTION]...%s%.*s\n", lead, command ? " " : "",
            command ? command : "", len ? " " : "", (int)len, form);
    form += len + (form[len] == '\n');
    lead = "      ";
  } while (*form);
  if (o->about) {
    fputc('\n', out);
    print_prose(out, o->about);
  }
  for (int group = OWN; group < GROUP_COUNT; group++)
    print_group(out, o, group);
  if (command)
    return;
  fprintf(out, "\ncommands:\n");
  for (const sc_cli_command *c = sc_cli_commands(); c->name; c++)
    fprintf(out, "  %-10s %s\n", c->name, c->summary);
  fprintf(out, "\nRun 'sc-build COMMAND --help' for a command's options; see sc-build(1).\n");
}

/* text in troff, in font `font` (B or I): '-' and '\' escaped, and a
 * line may break after a '|' (\:) in a long list of alternatives. */
static void troff_text(FILE *out, const char *font, const char *text)
{
  fprintf(out, "\\f%s", font);
  for (const char *p = text; *p; p++) {
    if (*p == '-')
      fputs("\\-", out);
    else if (*p == '\\')
      fputs("\\e", out);
    else if (*p == '|')
      fputs("|\\:", out);
    else
      fputc(*p, out);
  }
  fputs("\\fP", out);
}

/* "[\fB\-\-root\fP\ \fIROOT\fP]" on a line of its own. */
static void man_option(FILE *out, const sc_cli_option *o)
{
  char flag[128];
  snprintf(flag, sizeof flag, "--%s", o->name);
  fputc('[', out);
  troff_text(out, "B", flag);
  if (o->has_arg == optional_argument) {
    fputs("[=", out);
    troff_text(out, "I", o->metavar ? o->metavar : "VALUE");
    fputc(']', out);
  } else if (o->has_arg == required_argument) {
    fputs("\\ ", out); /* no line break between an option and its value */
    troff_text(out, "I", o->metavar ? o->metavar : "VALUE");
  }
  fputs("]\n", out);
}

/* The operands of a form: an option word ("--list") in bold, the rest in
 * italics. */
static void man_operands(FILE *out, const char *operands, size_t len)
{
  char *text = strndup(operands, len);
  if (text == NULL)
    abort();
  char *save = NULL;
  for (char *word = strtok_r(text, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
    troff_text(out, word[0] == '-' ? "B" : "I", word);
    fputc('\n', out);
  }
  free(text);
}

/* The command's own options (sc-build's global ones too), then
 * "[registry options]" for the shared ones. */
static void man_options(FILE *out, const char *command, const sc_cli_options *o)
{
  for (const sc_cli_option *p = o->options; p->name; p++)
    if (group_of(p) == OWN || (command == NULL && group_of(p) == GLOBAL))
      man_option(out, p);
  for (int group = 0; group < GLOBAL; group++) {
    if (has_group(o, group)) {
      fputc('[', out);
      troff_text(out, "I", groups[group].name);
      fputs("]\n", out);
    }
  }
}

/* One synopsis (groff's .SY, a hanging indent) a form: the first with
 * the options, the others ("sc-build init --list") with their operands
 * alone. */
static void man_command(FILE *out, const char *command, const sc_cli_options *o)
{
  const char *form = o->operands;
  bool first = true;
  do {
    size_t len = strcspn(form, "\n");
    fprintf(out, ".SY \"sc-build%s%s\"\n", command ? " " : "", command ? command : "");
    if (first)
      man_options(out, command, o);
    man_operands(out, form, len);
    fputs(".YS\n", out);
    form += len + (form[len] == '\n');
    first = false;
  } while (*form);
}

void sc_cli_print_man_synopsis(FILE *out)
{
  man_command(out, NULL, &sc_cli_main_options);
  for (const sc_cli_command *c = sc_cli_commands(); c->name; c++)
    man_command(out, c->name, c->options);
}
