"""StopRequest turns the first Ctrl-C into a request; DeferInterrupt holds Ctrl-C until a save is done."""

import os
import signal

import pytest

from w2vlm.interrupt import DeferInterrupt, StopRequest


def test_first_ctrl_c_is_a_request_the_second_aborts():
    with StopRequest() as stop:
        assert not stop()
        os.kill(os.getpid(), signal.SIGINT)
        assert stop()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_deferred_ctrl_c_arrives_after_the_block():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with DeferInterrupt():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("saved")
    assert done == ["saved"]
    with DeferInterrupt():
        pass   # no Ctrl-C, nothing raised
