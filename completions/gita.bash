# bash completion for gita.
# Every TAB asks gita itself (GITA_COMPLETE=bash gita -- WORDS...), so repo and
# group names and the custom commands of cmds.yml are always current.
# Install: copy to ~/.local/share/bash-completion/completions/gita, or add
#   source <(gita completions bash)
# to ~/.bashrc.

_gita() {
    local cur=$2 line
    local -a words=("${COMP_WORDS[@]:0:COMP_CWORD}")
    COMPREPLY=()
    while IFS= read -r line; do
        # Quote for the command line (names and folders may hold spaces);
        # after a directory, let the user go on typing inside it.
        [[ $line == */ ]] && compopt -o nospace 2>/dev/null
        printf -v line '%q' "$line"
        COMPREPLY+=("$line")
    done < <(GITA_COMPLETE=bash command gita -- "${words[@]}" "$cur" 2>/dev/null)
}

complete -F _gita gita
