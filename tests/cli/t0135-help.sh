#!/usr/bin/env bash
# t0135-help: every command's --help, `sc-build help`, the SYNOPSIS of
# sc-build(1) and the completion scripts are made from the one option
# table its parser reads: --help lists exactly the options completion
# offers, each with a description and, where it takes one, its value's
# name; the man page's generated section is what `sc-build help --man`
# prints; the page renders without a warning and documents every option.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"

man_page=$SC_SOURCE_DIR/docs/sc-build.1

commands() {
  sc_build --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'
}

# The options a --help defines, one per line: "--NAME<TAB>SPEC<TAB>TEXT",
# SPEC as written ("-o, --output DEST"), TEXT its description (from the
# next line when SPEC ran past the description column).
help_table() {
  awk '
    function flush() { if (name != "") print name "\t" spec "\t" text; name = "" }
    /^  -[A-Za-z], --[a-z]/ || /^      --[a-z]/ {
      flush()
      line = $0; sub(/^ +/, "", line)
      match(line, /--[a-z0-9.-]*[a-z0-9]/); name = substr(line, RSTART, RLENGTH)
      cut = index(line, "  ")
      if (cut) { spec = substr(line, 1, cut - 1); text = substr(line, cut); sub(/^ +/, "", text) }
      else { spec = line; text = "" }
      next
    }
    name != "" && text == "" && /^                            [^ ]/ { text = substr($0, 29); next }
    { flush() }
    END { flush() }
  '
}

# The long options `sc-build completion bash` offers for a command, and
# those it completes a value for, each sorted.
completion_block() {
  sc_build completion bash >completion.bash &&
  awk -v cmd="  $1)" '$0 == cmd { on = 1; next } /^  [a-z*]+\)/ { on = 0 } on' completion.bash
}
completed_options() {
  completion_block "$1" | sed -n "s/^    opts='\(.*\)'$/\1/p" | tr ' ' '\n' | grep -e '^--' | sort
}
completed_values() {
  completion_block "$1" | sed -n 's/^    \(--[a-z0-9.-]*\)[ =|].*) kind=.*/\1/p' | sort -u
}

expect_stderr() {
  printf '%s\n' "$1" >want.err &&
  diff -u want.err "$TEST_TMP/.stderr"
}

# The options of a help_table without a description, as "CMD --NAME".
undescribed() {
  awk -F '\t' -v cmd="$1" '$3 == "" { print cmd " " $1 }' "table.$1"
}

# The options a help_table shows a value for ("--root ROOT", "--tls-verify[=BOOL]").
valued() {
  awk -F '\t' '$2 ~ /--[a-z0-9.-]*[a-z0-9][ [=]/ { print $1 }' "table.$1" | sort -u
}

# The lines of docs/sc-build.1 between its GENERATED markers, or all the
# others (prose).
man_generated() {
  awk 'index($0, ".\\\" BEGIN GENERATED") == 1 { on = 1; next }
       index($0, ".\\\" END GENERATED") == 1 { on = 0 } on' "$man_page"
}
man_prose() {
  awk 'index($0, ".\\\" BEGIN GENERATED") == 1 { on = 1 }
       index($0, ".\\\" END GENERATED") == 1 { on = 0; next } !on' "$man_page"
}

# Where sc-build(1) presents an option's syntax, one line per option it
# names: in the tag of a paragraph (.TP, .TQ) under GLOBAL OPTIONS or
# COMMANDS, or in a command's heading (.SS).  Each line is
# "LINE<TAB>CMD<TAB>OPTION<TAB>GLUED<TAB>NEXT": CMD the command of the
# section ("sc-build" for the global options), GLUED what is written on
# to the option ("[=BOOL]"), NEXT the word after it ("ROOT" of
# "[--root ROOT]").  "-o, --output" names the value once, after --output.
man_option_uses() {
  awk '
    function unescape(s) {
      gsub(/\\f[BIRP]/, "", s); gsub(/\\[:&]/, "", s)
      gsub(/\\-/, "-", s); gsub(/\\ /, " ", s)
      return s
    }
    # A line as it renders: the arguments of a font macro are joined, with a
    # blank for .B and .I, without one for the alternating ones (.BI, .BR...).
    function plain(line,   macro, rest, text, sep, word) {
      if (line !~ /^\./) return unescape(line)
      macro = line; sub(/[ \t].*/, "", macro)
      rest = substr(line, length(macro) + 1)
      sep = (macro == ".B" || macro == ".I" || macro == ".SS") ? " " : ""
      text = ""
      for (;;) {
        sub(/^[ \t]+/, "", rest)
        if (rest == "") break
        if (substr(rest, 1, 1) == "\"") {
          rest = substr(rest, 2)
          if (!index(rest, "\"")) rest = rest "\""
          word = substr(rest, 1, index(rest, "\"") - 1)
          rest = substr(rest, index(rest, "\"") + 1)
        } else {
          match(rest, /^[^ \t]+/); word = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
        }
        text = text (text == "" ? "" : sep) word
      }
      return unescape(text)
    }
    # "OS/ARCH[/VARIANT]]" of "[--platform OS/ARCH[/VARIANT]]": the
    # brackets the word did not open close the heading'\''s, not the value.
    function balanced(word,   opened, closed) {
      for (;;) {
        opened = gsub(/\[/, "[", word); closed = gsub(/\]/, "]", word)
        if (closed <= opened || word !~ /\]$/) return word
        word = substr(word, 1, length(word) - 1)
      }
    }
    function uses(text,   rest, option, glued, next_word) {
      rest = " " text
      while (match(rest, /[ [(|]--?[A-Za-z0-9][A-Za-z0-9.-]*/)) {
        option = substr(rest, RSTART + 1, RLENGTH - 1)
        rest = substr(rest, RSTART + RLENGTH)
        while (option ~ /[.-]$/) {
          rest = substr(option, length(option)) rest
          option = substr(option, 1, length(option) - 1)
        }
        # "-rootfs" is a word; "-o," is an alias whose value follows its long form.
        if (option ~ /^-[^-]./ || substr(rest, 1, 1) == ",") continue
        glued = ""; next_word = ""
        if (substr(rest, 1, 2) == "[=") {
          glued = substr(rest, 1, index(rest, "]"))
        } else if (rest ~ /^=/) {
          match(rest, /^=[^ ]*/); glued = substr(rest, 1, RLENGTH)
        } else if (rest ~ /^ [^ ]/) {
          match(rest, /^ [^ ]+/); next_word = balanced(substr(rest, 2, RLENGTH - 1))
        }
        print NR "\t" command "\t" option "\t" glued "\t" next_word
      }
    }
    /^\.SH / {
      command = ($0 == ".SH GLOBAL OPTIONS") ? "sc-build" : ""
      commands = ($0 == ".SH COMMANDS")
      next
    }
    /^\.SS / && commands {
      text = plain($0); command = text; sub(/ .*/, "", command)
      uses(substr(text, length(command) + 1))
      next
    }
    /^\.T[PQ]$/ { tag = 1; next }
    tag { tag = 0; if (command != "") uses(plain($0)) }
  ' "${1:-$man_page}"
}

# The lines of a man_option_uses file whose value is not named as the
# command's table names it (its table.CMD, made from its --help).
misnamed_values() {
  awk -F '\t' -v uses="$1" '
    FILENAME != uses {
      cmd = FILENAME; sub(/^table[.]/, "", cmd)
      want = substr($2, index($2, $1) + length($1))
      value[cmd, $1] = want
      if ($2 ~ /^-[A-Za-z], /) value[cmd, substr($2, 1, 2)] = want
      known[cmd] = 1
      next
    }
    !($2 in known) { print "sc-build.1:" $1 ": " $2 " is not a command"; next }
    !(($2, $3) in value) { print "sc-build.1:" $1 ": " $2 " has no option " $3; next }
    {
      want = value[$2, $3]
      got = (want ~ /^ / && $4 == "") ? " " $5 : $4
      if (got != want)
        print "sc-build.1:" $1 ": " $2 " " $3 got ", but its table says " $3 want
    }
  ' table.* "$1"
}

# The options whose value has another name in one of the commands given
# than in another, as "--NAME VALUE in CMD...", one line per name it has
# (from the commands' table.CMD).
values_named_apart() {
  local c
  for c in "$@"; do
    awk -F '\t' -v cmd="$c" '{ print $1 "\t" substr($2, index($2, $1) + length($1)) "\t" cmd }' \
      "table.$c"
  done | awk -F '\t' '
    !(($1, $2) in in_cmds) { names[$1]++ }
    { in_cmds[$1, $2] = in_cmds[$1, $2] " " $3 }
    END {
      for (key in in_cmds) {
        split(key, part, SUBSEP)
        if (names[part[1]] > 1) print part[1] part[2] " in" in_cmds[key]
      }
    }' | sort
}

# The options of a command that sc-build(1) never names outside its
# SYNOPSIS ("--root" is written \-\-root there).
undocumented() {
  local name
  for name in $(cut -f1 "table.$1"); do
    grep_q -F -e "${name//-/\\-}" prose || echo "$1 $name"
  done
}

test_expect_success 'every command: --help defines exactly the options of its table' '
  commands >cmds && test "$(wc -l <cmds)" -ge 21 &&
  : >differ &&
  for c in $(cat cmds); do
    sc_build "$c" --help >help.$c &&
    help_table <help.$c >table.$c &&
    cut -f1 table.$c | sort >names.$c &&
    completed_options "$c" >comp.$c &&
    test -s comp.$c &&
    { diff -u comp.$c names.$c >>differ || echo "$c: the table (-) and its --help (+) differ" >>differ; } ||
    return 1
  done &&
  cat differ && test ! -s differ
'

test_expect_success 'every option has a description, and its value a name' '
  : >missing && : >differ &&
  for c in $(cat cmds); do
    undescribed "$c" >>missing &&
    valued "$c" >valued.$c &&
    completed_values "$c" >compvalued.$c &&
    { diff -u compvalued.$c valued.$c >>differ || echo "$c: values completed (-), named (+)" >>differ; } ||
    return 1
  done &&
  cat missing differ && test ! -s missing && test ! -s differ
'

test_expect_success 'the table check sees a missing description' '
  printf "%s\n" "usage: x" "" "options:" \
    "  -o, --output DEST         where to write" \
    "      --bare" \
    "      --very-long-option-name VALUE" \
    "                            said on the next line" >fake &&
  help_table <fake >table.fake &&
  printf "%s\t%s\t%s\n" --output "-o, --output DEST" "where to write" \
    --bare --bare "" \
    --very-long-option-name "--very-long-option-name VALUE" "said on the next line" |
    diff -u - table.fake &&
  test "$(undescribed fake)" = "fake --bare" &&
  printf "%s\n" --output --very-long-option-name | diff -u - <(valued fake)
'

test_expect_success 'the prose and the descriptions are filled to 79 columns' '
  : >long &&
  for c in $(cat cmds); do
    awk -v c="$c" "length(\$0) > 79 && !/^(usage:|      ) sc-build / { print c \": \" \$0 }" help.$c >>long ||
      return 1
  done &&
  cat long && test ! -s long &&
  grep -x "  source <(sc-build completion bash)" help.completion
'

# Issue 14: what a command reads, its --help says; no transport left out.
test_expect_success 'the commands that read any image name every transport in their --help' '
  for c in inspect install push sbom; do
    sc_build $c --help | tr -s " \n" "  " >h.txt &&
    for t in oci: oci-archive: docker-archive: dir: docker:// ostree:; do
      grep_q -F -- "$t" h.txt || { echo "$c --help: no $t"; exit 1; }
    done || exit 1
  done &&
  sc_build build --help | sed -n "/--from IMAGE/,/^      --[a-z]/p" | tr -s " \n" "  " >f.txt &&
  for t in oci: oci-archive: docker-archive: dir: docker:// ostree:; do
    grep_q -F -- "$t" f.txt || { echo "build --from: no $t"; exit 1; }
  done
'

test_expect_success 'sc-build help CMD is CMD --help; sc-build help is sc-build --help' '
  for c in $(cat cmds); do
    sc_build help "$c" >h.$c && cmp help.$c h.$c || return 1
  done &&
  sc_build --help >main.help &&
  sc_build help >main.h &&
  cmp main.help main.h &&
  grep -x "usage: sc-build \[OPTION\]... COMMAND \[ARGS\]..." main.help &&
  grep -x "  -V, --version             print the version and exit" main.help
'

test_expect_success 'help: an unknown command or too many operands is a usage error' '
  expect_exit 2 sc_build help biuld &&
  expect_stderr "sc-build: error: unknown command '\''biuld'\''; did you mean '\''build'\''?" &&
  expect_exit 2 sc_build help build push &&
  expect_exit 2 sc_build help --man build
'

test_expect_success 'a missing value says what the value is, from the table' '
  expect_exit 2 sc_build validate --from &&
  expect_stderr "sc-build: error: option '\''--from'\'' needs a value: --from IMAGE (see '\''sc-build validate --help'\'')" &&
  expect_exit 2 sc_build validate --set &&
  expect_stderr "sc-build: error: option '\''--set'\'' needs a value: --set NAME=VALUE (see '\''sc-build validate --help'\'')" &&
  expect_exit 2 sc_build run -v &&
  expect_stderr "sc-build: error: option '\''-v'\'' needs a value: -v HOST:CONTAINER[:ro|:rw] (see '\''sc-build run --help'\'')"
'

test_expect_success 'the SYNOPSIS of sc-build(1) is what sc-build help --man prints' '
  sc_build help --man >synopsis &&
  grep_q -x -F ".SY \"sc-build build\"" synopsis &&
  grep_q -x -F "[\fB\-\-root\fP\ \fIROOT\fP]" synopsis &&
  man_generated >in-page &&
  test -s in-page &&
  { diff -u in-page synopsis || { echo "docs/sc-build.1 is out of date: run scripts/update-man.sh" && false; }; }
'

test_expect_success 'sc-build(1) describes every option of every command' '
  man_prose >prose &&
  : >missing &&
  for c in $(cat cmds); do
    undocumented "$c" >>missing || return 1
  done &&
  cat missing && test ! -s missing
'

# Issue 13: an option's value has one name, the table's, wherever
# sc-build(1) shows the option's syntax.
test_expect_success 'sc-build(1) names each option'\''s value as its table does' '
  sc_build --help | help_table >table.sc-build &&
  man_option_uses >uses &&
  test "$(wc -l <uses)" -ge 60 &&
  cut -f2,3 uses | tr "\t" " " >seen &&
  for want in "sc-build --json" "init --skeleton" "install --root" "push --tls-verify" \
              "test --host-mirror" "sbom -o"; do
    grep_q -x -F -e "$want" seen || { echo "not seen: $want"; exit 1; }
  done &&
  misnamed_values uses >misnamed &&
  cat misnamed && test ! -s misnamed
'

test_expect_success 'the value-name check sees a value named otherwise' '
  mkdir valuecheck && cd valuecheck &&
  printf "%s\n" "options:" \
    "  -o, --output DEST         where to write" \
    "      --tls-verify[=BOOL]   verify" \
    "      --os OS               the OS" \
    "      --repo REPO           the repository" | help_table >table.build &&
  printf "%s\n" ".TH X 1" ".SH GLOBAL OPTIONS" ".SH COMMANDS" \
    ".SS build [\\-o F] [\\-\\-repo REPO] DIR" \
    ".TP" ".BR \\-o \", \" \\-\\-output \" \\fIF\\fR\"" \
    ".TP" ".B \\-\\-tls\\-verify=false" \
    ".TP" ".BI \\-\\-os \" OS\"" \
    ".TP" ".BI \\-\\-bogus \" X\"" \
    ".SS frob" ".TP" ".B \\-\\-x" \
    ".SH FILES" ".TP" ".B \\-\\-not\\-an\\-option" >page.1 &&
  man_option_uses page.1 >uses &&
  misnamed_values uses >misnamed &&
  printf "%s\n" \
    "sc-build.1:4: build -o F, but its table says -o DEST" \
    "sc-build.1:6: build --output F, but its table says --output DEST" \
    "sc-build.1:8: build --tls-verify=false, but its table says --tls-verify[=BOOL]" \
    "sc-build.1:12: build has no option --bogus" \
    "sc-build.1:15: frob is not a command" | diff -u - misnamed
'

test_expect_success 'an option names its value alike in every command' '
  values_named_apart sc-build $(cat cmds) >apart &&
  cat apart && test ! -s apart
'

test_lazy_prereq GROFF 'command -v groff && command -v man'
test_expect_success GROFF 'sc-build(1) renders without a warning' '
  groff -man -ww -z "$man_page" 2>groff.err &&
  cat groff.err && test ! -s groff.err &&
  MANWIDTH=80 man --warnings -l "$man_page" >rendered 2>man.err &&
  cat man.err && test ! -s man.err &&
  grep -x "SYNOPSIS" rendered &&
  grep -F "sc-build rollback [--root ROOT] NAME" rendered
'

test_done
