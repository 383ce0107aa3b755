"""The public façade: `gradcheck.__all__` is exactly what the package exports, each with a docstring."""

import gradcheck


def test_all_lists_every_public_name_and_nothing_else():
    public = {n for n in vars(gradcheck) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(gradcheck, n)).__name__ == "module"}
    assert set(gradcheck.__all__) == public - modules
    assert gradcheck.__all__ == sorted(gradcheck.__all__)


def test_every_export_says_what_it_is():
    for name in gradcheck.__all__:
        obj = getattr(gradcheck, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), name
