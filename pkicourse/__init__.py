"""pkicourse: the thin helper package behind the TLS and PKI course.

Import the module you need, by name; nothing here has side effects::

    from pkicourse.keys import generate_private_key
"""

__all__: list[str] = []
__version__ = "0.1.0"
