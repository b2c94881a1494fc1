"""Shell completion scripts, generated from the command-line parser and the rule registry."""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh", "fish")
_RULE_FLAGS = ("--select", "--ignore")


def _commands(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = {}
    for name, p in sub.choices.items():
        out[name] = sorted(o for a in p._actions for o in a.option_strings if o.startswith("--"))
    return out


def script(shell: str, parser: argparse.ArgumentParser, rule_names: list[str]) -> str:
    commands = _commands(parser)
    rules = " ".join(rule_names)
    if shell == "bash":
        cases = "\n".join(f'        {name}) opts="{" ".join(flags)}" ;;' for name, flags in commands.items())
        return f"""# bash completion for kubevet: eval "$(kubevet completion bash)"
_kubevet() {{
    local cur prev cmd opts
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    cmd="${{COMP_WORDS[1]}}"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "{' '.join(commands)} --version --help" -- "$cur"))
        return
    fi
    case "$prev" in
        --select|--ignore|--severity|--option) COMPREPLY=($(compgen -W "{rules}" -- "$cur")); return ;;
        -f|--format) COMPREPLY=($(compgen -W "text json sarif junit github gitlab" -- "$cur")); return ;;
        --fail-on) COMPREPLY=($(compgen -W "error warning info" -- "$cur")); return ;;
    esac
    case "$cmd" in
{cases}
        *) opts="" ;;
    esac
    if [ "$cmd" = explain ]; then
        COMPREPLY=($(compgen -W "{rules}" -- "$cur"))
    elif [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _kubevet kubevet
"""
    if shell == "zsh":
        return f"""# zsh completion for kubevet: eval "$(kubevet completion zsh)"
autoload -U bashcompinit && bashcompinit
{script("bash", parser, rule_names)}"""
    lines = ["# fish completion for kubevet: kubevet completion fish | source"]
    for name in commands:
        lines.append(f"complete -c kubevet -n __fish_use_subcommand -a {name}")
    for name, flags in commands.items():
        for flag in flags:
            extra = f" -a '{rules}'" if flag in _RULE_FLAGS else ""
            lines.append(f"complete -c kubevet -n '__fish_seen_subcommand_from {name}' -l {flag[2:]}{extra}")
    lines.append(f"complete -c kubevet -n '__fish_seen_subcommand_from explain' -a '{rules}'")
    return "\n".join(lines) + "\n"
