"""Progress bars for long management commands (seed, rebuild, verify)."""
from tqdm import tqdm


def progress_bar(command, **options):
    """A tqdm bar on the command's stderr. ``disable=None`` hides it when stderr is
    not a terminal, so scripted runs log only the final line."""
    return tqdm(file=_Stream(command.stderr), disable=None, **options)


class _Stream:
    """Lets tqdm write through a command's stderr wrapper, which would otherwise end
    every progress refresh with a newline and colour it as an error."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, style_func=_plain, ending="")

    def flush(self):
        self.wrapper.flush()

    def isatty(self):
        return self.wrapper.isatty()


def _plain(text):
    return text
