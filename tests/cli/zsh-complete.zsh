#!/usr/bin/env zsh
# zsh-complete.zsh MODE SCRIPT LINE...: the matches zsh's completion system
# offers when TAB is pressed at the end of LINE, one per line, with SCRIPT
# (the output of `sc-build completion zsh`) loaded as a user loads it:
# MODE fpath installs it as _sc-build in a directory of $fpath (what the
# CMake install does), MODE source sources it after compinit.
#
# Completion widgets only run inside the line editor, so an interactive zsh
# runs on a pseudo-terminal (zsh/zpty).  In it compadd is wrapped: the
# matches each call would add are printed between two marker lines instead
# of being inserted, and Return is unbound, so no command is ever run.
# With several LINEs, one shell completes each in turn (the line is
# cleared between them: starting zsh and compinit is most of the time),
# and each match is printed as N:MATCH, N the LINE's position from 1.
# The caller bounds the time (timeout).
emulate -L zsh
setopt err_return
(( $# >= 3 )) || { print -u2 "usage: zsh-complete.zsh fpath|source SCRIPT LINE..."; exit 2 }
local mode=$1 script=${2:a}
local -a lines=("${@[3,-1]}")
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
# The completion system empties both arrays after each completion: they
# are set again for the next LINE.
sc_begin() { print -r -- "sc-begin"; compprefuncs=(sc_begin) }
sc_end() { print -r -- "sc-end"; comppostfuncs=(sc_end) }
compprefuncs=(sc_begin)
comppostfuncs=(sc_end)
bindkey '^I' complete-word
bindkey '^U' kill-whole-line
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
local i prefix
for (( i = 1; i <= $#lines; i++ )); do
  (( $#lines > 1 )) && prefix="$i:" || prefix=
  got=0
  zpty -w -n sc_zsh $'\C-u'"$lines[i]"$'\t'
  while zpty -r sc_zsh out; do
    out=${${out//$'\r'/}%$'\n'}
    case $out in
      *sc-end*) got=1; break ;;
      *"sc-match: "*) print -r -- "$prefix${out#*sc-match: }" ;;
      *'can only be called from completion function'*|*'command not found'*)
        print -u2 -r -- "zsh: $out"; exit 1 ;;
    esac
  done
  (( got )) || { print -u2 "zsh-complete.zsh: the completion of '$lines[i]' did not finish"; exit 1 }
done
zpty -d sc_zsh
