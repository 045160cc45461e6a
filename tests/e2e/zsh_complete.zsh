# Completes a command line in an interactive zsh (in a pty, with compinit and FUNCDIR on fpath)
# and prints what the completion system offered, one match a line: every compadd call is
# recorded, after zsh's own matching against the word under the cursor.
# Usage: zsh -f zsh_complete.zsh FUNCDIR 'COMMAND LINE' SCRATCH_FILE
zmodload zsh/zpty
funcdir=$1 cmdline=$2 rc=$3
print -r -- "fpath=($funcdir \$fpath); autoload -Uz compinit; compinit -u -d $rc.dump
compadd() { local -a __m; builtin compadd -O __m \"\$@\"; (( \${#__m} )) && print -rl -- \"\${(@)__m/#/MATCH:}\" >&2; builtin compadd \"\$@\"; }
zstyle ':completion:*' menu no
__capture() { zle complete-word; print -r -- __DONE__ >&2; }
zle -N __capture; bindkey '^X' __capture
PROMPT='READY> '" >$rc
out=''
wait_for() {
    integer tries=0
    while [[ $out != *$1* ]]; do
        (( tries++ < 3000 )) || { print -r -- "zsh_complete: no '$1' in ${(q)out}" >&2; exit 1; }
        if zpty -r -t z chunk; then out+=$chunk; else sleep 0.01; fi
    done
}
zpty z zsh -f -i
zpty -w z "source $rc"
wait_for 'READY> '
out=''
zpty -n -w z "$cmdline"$'\C-x'
wait_for __DONE__
zpty -d z
print -r -- ${out//$'\r'/} | grep -ao 'MATCH:[^[:space:][:cntrl:]]*' | sed 's/^MATCH://' | sort -u
