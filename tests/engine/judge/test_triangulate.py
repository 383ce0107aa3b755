"""triangulate.py: the odd oracle out is set aside with the reason its own evidence shows."""

from gradcheck._engine.judge.triangulate import triangulate

AGREE = {
    frozenset(("fd", "torch")): True,
    frozenset(("fd", "jax")): False,
    frozenset(("torch", "jax")): False,
}


def test_all_agreeing_oracles_are_all_trusted():
    trust = triangulate(["fd", "torch", "jax"], {}, fd_rough=False)
    assert (trust.trusted, trust.set_aside, trust.undecided) == (("fd", "torch", "jax"), {}, False)


def test_the_odd_one_out_is_set_aside_as_perhaps_differentiating_a_non_differentiable_op():
    trust = triangulate(["fd", "torch", "jax"], AGREE, fd_rough=False)
    assert trust.trusted == ("fd", "torch")
    assert trust.set_aside["jax"].startswith("jax disagrees with fd and torch, which agree with each other: jax may ")


def test_a_different_loss_value_on_its_arrays_is_the_reason_given():
    trust = triangulate(["fd", "torch", "jax"], AGREE, fd_rough=False, other_loss={"jax": (7.875, 5.25)})
    assert trust.set_aside["jax"].startswith(
        "jax disagrees with the others, and the loss gives 7.875 on jax arrays against 5.25 on yours"
    )


def test_fd_at_a_kink_beside_one_framework_yields_to_it():
    trust = triangulate(["fd", "torch"], {frozenset(("fd", "torch")): False}, fd_rough=True)
    assert trust.trusted == ("torch",) and "kink or noise" in trust.set_aside["fd"]


def test_two_oracles_that_disagree_without_a_kink_leave_the_verdict_undecided():
    trust = triangulate(["fd", "torch"], {frozenset(("fd", "torch")): False}, fd_rough=False)
    assert trust.undecided and trust.set_aside == {}


def test_followed_oracles_share_one_translation_so_they_do_not_outvote_fd():
    ran = ["fd", "torch", "jax"]
    agree = {frozenset(("fd", "torch")): False, frozenset(("fd", "jax")): False, frozenset(("torch", "jax")): True}
    assert triangulate(ran, agree, False).trusted == ("torch", "jax")  # as written: two witnesses against one
    shared = triangulate(ran, agree, False, None, frozenset({"torch", "jax"}))
    assert shared.undecided and shared.set_aside == {}  # followed: one witness against one, no verdict
    assert shared.one_translation == ("torch", "jax")  # the group that counting them apart would trust
    rough = triangulate(ran, agree, True, None, frozenset({"torch", "jax"}))
    assert rough.trusted == ("torch", "jax") and set(rough.set_aside) == {"fd"}  # fd at a kink is set aside


def test_an_undecided_split_that_counting_followed_oracles_apart_would_not_settle_names_no_group():
    ran = ["fd", "torch"]
    trust = triangulate(ran, {frozenset(ran): False}, False, None, frozenset({"torch"}))
    assert trust.undecided and trust.one_translation == ()  # one against one either way: the old rule holds


def test_an_ad_oracle_computing_another_loss_value_is_set_aside_beside_fd_alone():
    ran = ["fd", "jax"]
    trust = triangulate(ran, {frozenset(ran): False}, False, {"jax": (6.397, 5.69)})
    assert trust.trusted == ("fd",) and not trust.undecided
    assert trust.set_aside["jax"].startswith("jax disagrees with the others, and the loss gives 6.397 on jax arrays")


def test_without_another_loss_value_one_ad_oracle_against_fd_stays_undecided():
    ran = ["fd", "jax"]
    assert triangulate(ran, {frozenset(ran): False}, False, {}).undecided
