#!/usr/bin/env zsh
# zsh-complete.zsh MODE SCRIPT LINE: the matches zsh's completion system
# offers when TAB is pressed at the end of LINE, one per line, with SCRIPT
# (the output of `sc-build completion zsh`) loaded as a user loads it:
# MODE fpath installs it as _sc-build in a directory of $fpath (what the
# CMake install does), MODE source sources it after compinit.
#
# Completion widgets only run inside the line editor, so an interactive zsh
# runs on a pseudo-terminal (zsh/zpty).  In it compadd is wrapped: the
# matches each call would add are printed between two marker lines instead
# of being inserted, and the shell exits once the completion ends, so no
# command is ever run.  The caller bounds the time (timeout).
emulate -L zsh
setopt err_return
[[ $# == 3 ]] || { print -u2 "usage: zsh-complete.zsh fpath|source SCRIPT LINE"; exit 2 }
local mode=$1 script=${2:a} line=$3
local home=$(mktemp -d) || exit 2
trap 'rm -rf -- "$home"' EXIT
local -a load
case $mode in
  fpath)
    mkdir "$home/functions" && cp -- "$script" "$home/functions/_sc-build"
    load=("fpath=(${(q)home}/functions \$fpath)" "autoload -Uz compinit" "compinit -u -D")
    ;;
  source) load=("autoload -Uz compinit" "compinit -u -D" "source ${(q)script}") ;;
  *) print -u2 "zsh-complete.zsh: MODE is fpath or source, not $mode"; exit 2 ;;
esac

cat >"$home/setup.zsh" <<'EOF'
PS1='' RPS1='' PROMPT_EOL_MARK=''
unsetopt zle_bracketed_paste 2>/dev/null
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
# compadd with -O, -A or -D only computes matches for its caller: left alone.
compadd() {
  if (( ${@[(I)-[OAD]]} )); then
    builtin compadd "$@"
    return
  fi
  local -a __sc_got
  builtin compadd -O __sc_got "$@"
  local m
  for m in $__sc_got; print -r -- "sc-match: $m"
  (( $#__sc_got ))
}
sc_begin() { print -r -- "sc-begin" }
sc_end() { print -r -- "sc-end"; exit 0 }
compprefuncs=(sc_begin)
comppostfuncs=(sc_end)
bindkey '^I' complete-word
bindkey '^M' undefined-key
bindkey '^J' undefined-key
print -r -- "sc-ready"
EOF

zmodload zsh/zpty
HOME=$home ZDOTDIR=$home zpty sc_zsh TERM=dumb zsh -f -i
local l
for l in $load "source ${(q)home}/setup.zsh"; zpty -w sc_zsh "$l"
local out got=0
while zpty -r sc_zsh out; do
  [[ $out == *sc-ready* ]] && break
done
zpty -w -n sc_zsh "$line"$'\t'
while zpty -r sc_zsh out; do
  out=${${out//$'\r'/}%$'\n'}
  case $out in
    *sc-end*) got=1; break ;;
    *"sc-match: "*) print -r -- ${out#*sc-match: } ;;
    *'can only be called from completion function'*|*'command not found'*)
      print -u2 -r -- "zsh: $out"; exit 1 ;;
  esac
done
zpty -d sc_zsh
(( got )) || { print -u2 "zsh-complete.zsh: the completion did not finish"; exit 1 }
