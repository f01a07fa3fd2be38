#!/usr/bin/env bash
# t0130-completion: `sc-build completion bash|zsh` is generated from the
# option tables the parser reads, so for every command the options bash
# offers are exactly those its --help lists (a help text that drifts from
# the parser fails here too), values complete as the tables say, and the
# scripts are valid shell.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"

# What _sc_build puts in COMPREPLY for the words given, the last one being
# the word under the cursor, one per line, sorted.
complete_words() {
  bash -c 'source <("$SC_BUILD" completion bash) || exit 1
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sc_build || exit 1
    [ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}"' sc-build "$@" | sort -u
}

# The long options a command's --help names, one per line, sorted.
help_options() {
  sc_build "$1" --help | grep -o -e '--[a-z][a-z0-9.-]*[a-z0-9]' | sort -u
}

commands() {
  sc_build --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'
}

test_expect_success 'the bash script is valid and completes a command name' '
  sc_build completion bash >comp.bash &&
  bash -n comp.bash &&
  test "$(bash -c "source <(\"$SC_BUILD\" completion bash); COMP_WORDS=(sc-build bui); COMP_CWORD=1; _sc_build; echo \${COMPREPLY[@]}")" = build &&
  complete_words sc-build "" >all &&
  commands >listed &&
  test "$(wc -l <listed)" -ge 20 &&
  sort -u listed | diff -u - all
'

test_expect_success 'every command: the options of its --help are the ones completed' '
  fails=0 &&
  for c in $(commands); do
    help_options "$c" >help.$c &&
    complete_words sc-build "$c" -- >comp.$c &&
    test -s comp.$c &&
    if ! diff -u help.$c comp.$c >diff.$c; then
      echo "$c: --help (-) and the parser (+) differ:" && cat diff.$c && fails=1
    fi || return 1
  done &&
  test $fails = 0
'

test_expect_success 'a drift is caught: an option the parser lacks is not completed' '
  complete_words sc-build rollback -- >rb &&
  ! grep -x -e --set rb &&
  grep -x -e --root rb &&
  expect_exit 2 sc_build rollback --set a=b x
'

test_expect_success 'option values complete as the tables say' '
  complete_words sc-build build --format "" >fmt &&
  printf "%s\n" docker-archive oci oci-archive ostree | diff -u - fmt &&
  complete_words sc-build build --format = oci- >fmt2 &&
  printf "%s\n" oci-archive | diff -u - fmt2 &&
  complete_words sc-build push --tls-verify = f >tls &&
  test "$(cat tls)" = false &&
  mkdir -p dir.d && : >file.f &&
  complete_words sc-build install --root "" >root &&
  grep -x dir.d root && ! grep -x file.f root &&
  complete_words sc-build build -o "" >out &&
  grep -x file.f out &&
  complete_words sc-build build --tag "" >tag &&
  test ! -s tag &&
  complete_words sc-build completion "" >shells &&
  printf "%s\n" bash zsh | diff -u - shells
'

test_expect_success 'run -v takes a value there, and is --verbose elsewhere' '
  complete_words sc-build run -v "" >vol &&
  grep -x file.f vol &&
  complete_words sc-build build -v "" >verbose &&
  grep -x file.f verbose &&
  complete_words sc-build build -v --ta >after &&
  test "$(cat after)" = --tag
'

test_expect_success 'an unknown shell is a usage error' '
  expect_exit 2 sc_build completion fish &&
  expect_exit 2 sc_build completion &&
  expect_exit 2 sc_build completion bash zsh
'

test_lazy_prereq JSONSCHEMA 'python3 -c "import jsonschema"'
test_expect_success JSONSCHEMA '--json: the script, whole, in a document of its schema' '
  schema=$SC_SOURCE_DIR/docs/schemas/completion.schema.json &&
  sc_build --json completion bash >bash.json &&
  python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$schema" bash.json &&
  python3 -c "import json,sys; sys.stdout.write(json.load(open(\"bash.json\"))[\"script\"])" >from-json &&
  sc_build completion bash | cmp - from-json &&
  expect_exit 2 sc_build completion --json fish &&
  python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$schema" "$TEST_TMP/.stdout"
'

test_lazy_prereq ZSH_INSTALLED 'command -v zsh'
test_expect_success ZSH_INSTALLED 'the zsh script is valid zsh' '
  sc_build completion zsh >_sc-build &&
  zsh -n _sc-build
'

test_expect_success 'the zsh script names every command and option' '
  sc_build completion zsh >_sc-build &&
  head -1 _sc-build | grep -x "#compdef sc-build" &&
  for c in $(commands); do grep -q "^    $c)" _sc-build || return 1; done &&
  grep -q "'\''--sign-by-sigstore-private-key=:value:_files'\''" _sc-build
'

test_done
