# fish completion for gita.
# Every TAB asks gita itself (GITA_COMPLETE=fish gita -- WORDS...), so repo and
# group names and the custom commands of cmds.yml are always current.
# Install: copy to ~/.config/fish/completions/gita.fish, or run
#   gita completions fish | source

complete --command gita --erase
complete --command gita --no-files --keep-order --arguments '(GITA_COMPLETE=fish command gita -- (commandline --tokenize --current-process --cut-at-cursor) (commandline --current-token) 2>/dev/null)'
