#!/usr/bin/env bash
# t0131-zsh-completion: `sc-build completion zsh` run by zsh's completion
# system itself (tests/cli/zsh-complete.zsh drives an interactive zsh on a
# pseudo-terminal and records what TAB offers): installed in $fpath as the
# CMake install puts it, and sourced after compinit.  For every command the
# options offered are those its --help lists, as t0130 checks for bash.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require zsh

sc_build completion zsh >comp.zsh

# zsh_complete MODE LINE: the matches TAB offers after LINE, sorted (one
# zsh for each; the every-command case completes all its lines in one).
zsh_complete() {
  timeout 30 zsh "$SC_SOURCE_DIR/tests/cli/zsh-complete.zsh" "$1" comp.zsh "$2" | sort -u
}

help_options() {
  sc_build "$1" --help | grep -o -e '--[a-z][a-z0-9.-]*[a-z0-9]' | sort -u
}

commands() {
  sc_build --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' | sort -u
}

test_expect_success 'the script is valid zsh' '
  zsh -n comp.zsh &&
  head -1 comp.zsh | grep -x "#compdef sc-build"
'

test_expect_success 'installed in $fpath: TAB offers the commands, and completes one' '
  zsh_complete fpath "sc-build " >cmds &&
  commands >listed &&
  test "$(wc -l <listed)" -ge 20 &&
  diff -u listed cmds &&
  zsh_complete fpath "sc-build bui" >bui &&
  echo build | diff -u - bui
'

test_expect_success 'sourced after compinit: the script registers itself and completes' '
  zsh_complete source "sc-build bui" >src-bui &&
  echo build | diff -u - src-bui &&
  zsh_complete source "sc-build push --" >src-push &&
  help_options push | diff -u - src-push
'

test_expect_success 'every command: the long options zsh offers are those of its --help' '
  commands >cmds &&
  test "$(wc -l <cmds)" -ge 20 &&
  sed "s/.*/sc-build & --/" cmds | tr "\n" "\0" |
    xargs -0 timeout 120 zsh "$SC_SOURCE_DIR/tests/cli/zsh-complete.zsh" fpath comp.zsh >all &&
  fails=0 && n=0 &&
  for c in $(cat cmds); do
    n=$((n + 1)) &&
    help_options "$c" >help.$c &&
    sed -n "s/^$n://p" all | sort -u >zsh.$c &&
    test -s zsh.$c &&
    if ! diff -u help.$c zsh.$c >diff.$c; then
      echo "$c: --help (-) and zsh (+) differ:" && cat diff.$c && fails=1
    fi || return 1
  done &&
  test $fails = 0
'

test_expect_success 'option values complete as the tables say, after a space or =' '
  zsh_complete fpath "sc-build build --format " >fmt &&
  printf "%s\n" docker-archive oci oci-archive ostree | diff -u - fmt &&
  zsh_complete fpath "sc-build build --format=oci-" >fmt2 &&
  echo oci-archive | diff -u - fmt2 &&
  zsh_complete fpath "sc-build completion " >shells &&
  printf "%s\n" bash zsh | diff -u - shells
'

test_expect_success 'path values complete files: --output offers the directory'"'"'s entries' '
  mkdir -p out.d && : >out.d/one.oci &&
  zsh_complete fpath "sc-build build --output out.d/" >paths &&
  grep -x "one.oci" paths
'

test_done
