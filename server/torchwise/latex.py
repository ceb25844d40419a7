"""LaTeX math from torch docstrings as plain Unicode text for hovers.

Editors render hover Markdown without a math engine, so ``\\frac{\\exp(x_i)}{\\sum_j
\\exp(x_j)}`` is turned into ``exp(xᵢ)/(Σⱼ exp(xⱼ))``: commands become symbols,
fractions become ``a/b``, scripts become Unicode sub/superscripts where every
character has one (else ``_(…)``/``^(…)``). Unknown commands lose their backslash.
"""

from __future__ import annotations

import re
import unicodedata

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SYMBOLS = {
    **_GREEK,
    "times": "×", "cdot": "·", "ldots": "…", "cdots": "⋯", "dots": "…", "vdots": "⋮",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "sim": "∼", "equiv": "≡", "propto": "∝", "in": "∈", "notin": "∉", "subset": "⊂",
    "subseteq": "⊆", "cup": "∪", "cap": "∩", "emptyset": "∅", "forall": "∀", "exists": "∃",
    "infty": "∞", "partial": "∂", "nabla": "∇", "pm": "±", "mp": "∓", "sum": "Σ", "prod": "∏",
    "int": "∫", "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒",
    "mapsto": "↦", "mid": "|", "vert": "|", "lvert": "|", "rvert": "|", "Vert": "‖",
    "lVert": "‖", "rVert": "‖", "|": "‖", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈",
    "rceil": "⌉", "langle": "⟨", "rangle": "⟩", "odot": "⊙", "otimes": "⊗", "oplus": "⊕",
    "circ": "∘", "ast": "∗", "star": "⋆", "top": "ᵀ", "intercal": "ᵀ", "dagger": "†",
    "ell": "ℓ", "lbrace": "{", "rbrace": "}", "neg": "¬", "land": "∧", "lor": "∨",
    "quad": "  ", "qquad": "    ", ",": " ", ";": " ", ":": " ", "!": "", " ": " ",
    "{": "{", "}": "}", "_": "_", "%": "%", "#": "#", "&": "&", "$": "$", "\\": "\n",
    "displaystyle": "", "textstyle": "", "limits": "", "nolimits": "", "nonumber": "",
}
_FONTS = {
    "text", "textrm", "textbf", "textit", "texttt", "textsf", "mathrm", "mathbf", "mathit",
    "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak", "mathscr", "boldsymbol", "bm",
    "operatorname", "mathop", "mbox", "hbox", "emph",
}
_SWITCHES = {"bf", "it", "rm", "tt", "sf", "cal", "em", "small", "large", "Large", "footnotesize",
             "scriptsize", "tiny", "normalsize", "centering", "raggedright", "noindent"}
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305",
            "tilde": "\u0303", "widetilde": "\u0303", "dot": "\u0307", "ddot": "\u0308",
            "vec": "\u20d7"}
_SIZERS = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "biggl", "biggr", "Biggl", "Biggr", "middle"}
_DROP_WITH_ARG = {"label", "tag", "begin", "end", "hspace", "vspace", "phantom"}
_SUP = dict(zip("0123456789+-=()niT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀ"))
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))


def latex_to_text(source: str, *, inline: bool = True) -> str:
    """Readable Unicode for a LaTeX math string (one line when ``inline``)."""
    text = unicodedata.normalize("NFC", _convert(source))  # y + combining hat -> ŷ where one exists
    text = "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.split("\n"))
    if inline:
        return re.sub(r"\s*\n\s*", "; ", text).strip("; ")
    return re.sub(r"\n{2,}", "\n", text).strip()


def _convert(s: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(s):
        piece, i = _atom(s, i)
        out.append(piece)
    return "".join(out)


def _closing(s: str, i: int) -> int:
    """Index of the ``}`` matching the ``{`` at ``i`` (or the end of the string)."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "\\":
            continue
        if s[j] == "{" and (j == 0 or s[j - 1] != "\\"):
            depth += 1
        elif s[j] == "}" and (j == 0 or s[j - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return j
    return len(s)


def _atom(s: str, i: int) -> tuple[str, int]:
    c = s[i]
    if c == "{":
        j = _closing(s, i)
        return _convert(s[i + 1 : j]), j + 1
    if c == "}":
        return "", i + 1
    if c == "\\":
        return _command(s, i + 1)
    if c in "^_":
        arg, j = _arg(s, i + 1)
        return _script(c, arg), j
    if c in "&~":
        return " ", i + 1
    return c, i + 1


def _arg(s: str, i: int) -> tuple[str, int]:
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    return _atom(s, i)


def _command(s: str, i: int) -> tuple[str, int]:
    if i >= len(s):
        return "", i
    if s[i].isalpha():
        j = i
        while j < len(s) and s[j].isalpha():
            j += 1
        name = s[i:j]
    else:
        name, j = s[i], i + 1
    if name in ("frac", "dfrac", "tfrac"):
        num, j = _arg(s, j)
        den, j = _arg(s, j)
        return f"{_wrap(num)}/{_wrap(den)}", j
    if name == "binom":
        n, j = _arg(s, j)
        k, j = _arg(s, j)
        return f"C({n.strip()}, {k.strip()})", j
    if name == "sqrt":
        root = ""
        if j < len(s) and s[j] == "[":
            end = s.find("]", j)
            root, j = _convert(s[j + 1 : end]), end + 1
        arg, j = _arg(s, j)
        return f"{''.join(_SUP.get(ch, ch) for ch in root)}√{_wrap(arg)}", j
    if name in _FONTS:
        arg, j = _arg(s, j)
        if name == "mathbb":
            arg = "".join(_BLACKBOARD.get(ch, ch) for ch in arg)
        return arg, j
    if name in _ACCENTS:
        arg, j = _arg(s, j)
        return (arg + _ACCENTS[name]) if arg else "", j
    if name in _SIZERS:
        while j < len(s) and s[j] == " ":
            j += 1
        if j < len(s) and s[j] == ".":
            return "", j + 1
        return _atom(s, j) if j < len(s) else ("", j)
    if name in _DROP_WITH_ARG:
        env, j = _arg(s, j)
        if name == "begin" and env.strip() in ("array", "tabular"):
            _, j = _arg(s, j)  # the column spec: {ll}
        return "", j
    if name == "rule":
        _, j = _arg(s, j)
        _, j = _arg(s, j)
        return "", j
    if name == "\\" and j < len(s) and s[j] == "[":  # \\[-1ex]: a line break with spacing
        end = s.find("]", j)
        return "\n", (end + 1 if end > 0 else len(s))
    if name in _SWITCHES:
        return "", j
    if name in _SYMBOLS:
        return _SYMBOLS[name], j
    return name, j  # \exp, \log, \max, \softmax ... read fine without the backslash


_WORD = r"[\w.′\u0300-\u036f\u20d7⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿⁱᵀ₀₁₂₃₄₅₆₇₈₉₊₋ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ]"


def _atomic(text: str) -> bool:
    """``x``, ``√t``, ``exp(xᵢ)``, ``(a + b)``: safe to divide without more brackets."""
    if re.fullmatch(f"√?{_WORD}+", text):
        return True
    head = re.match(f"√?{_WORD}*", text).group(0)
    rest = text[len(head):]
    return bool(rest) and rest[0] in "([" and _balanced_outer(rest)


def _wrap(text: str) -> str:
    text = text.strip()
    return text if _atomic(text) else f"({text})"


def _balanced_outer(text: str) -> bool:
    """True when the first bracket closes at the very end: ``(a+b)`` but not ``(a)+(b)``."""
    pairs = {"(": ")", "[": "]"}
    depth = 0
    for k, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0:
                return k == len(text) - 1 and pairs[text[0]] == ch
    return False


def _script(kind: str, arg: str) -> str:
    arg = arg.strip()
    if not arg:
        return ""
    table = _SUP if kind == "^" else _SUB
    if all(ch in table or ch in table.values() for ch in arg):
        return "".join(table.get(ch, ch) for ch in arg)
    return kind + (arg if len(arg) == 1 or (arg[0] in "([" and _balanced_outer(arg)) else f"({arg})")
