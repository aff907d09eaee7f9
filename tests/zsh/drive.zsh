# Test helper: zsh -f drive.zsh CAPTURE SETUP LINE
# Starts an interactive zsh on a pseudo-terminal, runs the SETUP commands
# (compinit and the completion script), loads CAPTURE, types LINE and
# TAB, and prints the matches zsh offers, one per line.
zmodload zsh/zpty || exit 7
zpty z zsh -f -i
# The marker is computed so that the echo of the typed line does not match.
zpty -w z "$2; source ${(q)1}; print -r -- \${(U):-ready}"
zpty -r z line "*READY*" || exit 6
zpty -w -n z "$3"$'\t'
out=
while zpty -r z chunk; do
    out+=$chunk
    [[ $out == *$'\0'*$'\0'* ]] && break
done
zpty -d z
print -r -- "${${out#*$'\0'}%$'\0'*}"
