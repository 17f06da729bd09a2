"""flowgate bounds request bodies (--push.max-body-bytes), where the Pushgateway
has no limit at all: an oversized body, plain or gzip'd, is refused with a 4xx
and leaves the store untouched; a body just under the limit is accepted."""
import gzip

import exposition_normalizer
import raw_http
import servers

LIMIT_BYTES = 4096


def body_of_size(size):
    line = b"limit_probe 1\n"
    padding = b"# " + b"x" * (size - len(line) - 3) + b"\n"
    return padding + line


def test_bodies_over_the_limit_are_refused_and_change_nothing():
    with servers.flowgate([f"--push.max-body-bytes={LIMIT_BYTES}"]) as server:
        assert raw_http.request(server, "PUT", "/metrics/job/kept", b"kept 1\n").status == 200
        under = raw_http.request(server, "PUT", "/metrics/job/under", body_of_size(LIMIT_BYTES - 10))
        over = raw_http.request(server, "PUT", "/metrics/job/over", body_of_size(LIMIT_BYTES + 10))
        # 4 KiB of gzip inflating to 1 MiB: the limit applies to what the body inflates to.
        bomb = raw_http.request(server, "PUT", "/metrics/job/bomb",
                                gzip.compress(body_of_size(1 << 20)), {"Content-Encoding": "gzip"})
        assert server.running()
        samples = exposition_normalizer.pushed_samples(raw_http.get(server, "/metrics").text())
    assert under.status == 200
    assert 400 <= over.status < 500, over
    assert 400 <= bomb.status < 500, bomb
    assert 'limit_probe{instance="",job="under"}' in samples
    assert not [key for key in samples if 'job="over"' in key or 'job="bomb"' in key]
    assert samples['kept{instance="",job="kept"}'] == "1"
