"""Plausible wrong answers to lesson 01's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "01-asymmetric-keys"

WRONG = {
    "ex1": {
        "asks the service for the target itself": """
def forge_signature(n, e, target, sign):
    return sign(target)
""",
        "multiplies the two signatures but forgets to reduce mod n": """
def forge_signature(n, e, target, sign):
    second = target * pow(2, -1, n) % n
    return sign(2) * sign(second)
""",
        "halves the target with integer division instead of the inverse mod n": """
def forge_signature(n, e, target, sign):
    return sign(2) * sign(target // 2) % n
""",
        "adds the signatures of 1 and target - 1 instead of multiplying": """
def forge_signature(n, e, target, sign):
    return (sign(1) + sign(target - 1)) % n
""",
        "locks the target with the public exponent (the wrong direction)": """
def forge_signature(n, e, target, sign):
    return pow(target, e, n)
""",
    },
    "ex2": {
        "the note's word-key rule applied to labels ('KEY' in the label)": """
def secret_blocks(pem_text):
    blocks = []
    for line in pem_text.splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN ") and line.endswith("-----"):
            label = line[len("-----BEGIN ") : -len("-----")]
            blocks.append((label, "KEY" in label))
    return blocks
""",
        "only the plain PKCS#8 label counts as secret": """
def secret_blocks(pem_text):
    blocks = []
    for line in pem_text.splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN ") and line.endswith("-----"):
            label = line[len("-----BEGIN ") : -len("-----")]
            blocks.append((label, label == "PRIVATE KEY"))
    return blocks
""",
        "lines split on \\n, so Windows line ends keep their \\r": """
def secret_blocks(pem_text):
    blocks = []
    for line in pem_text.split("\\n"):
        if line.startswith("-----BEGIN "):
            label = line[len("-----BEGIN ") : -len("-----")]
            blocks.append((label, label.endswith("PRIVATE KEY")))
    return blocks
""",
        "one verdict for the whole file (any PRIVATE KEY makes every block secret)": """
def secret_blocks(pem_text):
    secret = "PRIVATE KEY" in pem_text
    labels = [
        line.strip()[len("-----BEGIN ") : -len("-----")]
        for line in pem_text.splitlines()
        if line.strip().startswith("-----BEGIN ")
    ]
    return [(label, secret) for label in labels]
""",
        "END lines counted as blocks too": """
def secret_blocks(pem_text):
    blocks = []
    for line in pem_text.splitlines():
        line = line.strip()
        if line.startswith("-----") and line.endswith("-----"):
            label = line.strip("-").split(" ", 1)[1]
            blocks.append((label, label.endswith("PRIVATE KEY")))
    return blocks
""",
        "no strip: a BEGIN line ending in spaces keeps dashes and spaces in its label": """
def secret_blocks(pem_text):
    blocks = []
    for line in pem_text.splitlines():
        if line.startswith("-----BEGIN "):
            label = line[11:-5]
            blocks.append((label, label.endswith("PRIVATE KEY")))
    return blocks
""",
        "the first line of the file decides, as if a file held one block": """
def secret_blocks(pem_text):
    lines = pem_text.strip().splitlines()
    if not lines or not lines[0].startswith("-----BEGIN "):
        return []
    label = lines[0].strip()[len("-----BEGIN ") : -len("-----")]
    return [(label, label.endswith("PRIVATE KEY"))]
""",
    },
}
