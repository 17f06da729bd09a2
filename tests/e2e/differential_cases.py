"""The differential cases: every Pushgateway endpoint, every error class, the
URL encodings, PUT/POST/DELETE interplay, text/protobuf/gzip bodies. Each case
runs against both servers (test_differential.py). Where flowgate differs on
purpose the step says so and why, and compares the status class instead."""
import gzip

import protobuf_body as pb
import snappy_frames
from differential_sequence import ANY_OF, CLASS, CONNECTION_CLOSED, Sequence, Step

TEXT = {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}
PROTO = {"Content-Type": pb.CONTENT_TYPE}


def put(path, body="", headers=None, **options):
    return Step("PUT", path, body, dict(headers or TEXT), **options)


def post(path, body="", headers=None, **options):
    return Step("POST", path, body, dict(headers or TEXT), **options)


def delete(path, **options):
    return Step("DELETE", path, **options)


def get(path, **options):
    return Step("GET", path, **options)


GAUGE = "# TYPE g gauge\ng 1\n"
ALL_TYPES = """# HELP c_total A counter.
# TYPE c_total counter
c_total{kind="a"} 3
c_total{kind="b"} 4.5
# HELP g A gauge.
# TYPE g gauge
g -2.5
# TYPE u untyped
u 7
# HELP s A summary.
# TYPE s summary
s{quantile="0.5"} 1
s{quantile="0.99"} 2
s_sum 10
s_count 5
# HELP h A histogram.
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="1"} 2
h_bucket{le="+Inf"} 3
h_sum 1.5
h_count 3
"""


def parse_error(name, body, line):
    """A push whose body the text parser must reject, naming `line`."""
    return Sequence(f"parse_error_{name}", [
        put("/metrics/job/ok", GAUGE),
        put("/metrics/job/bad", body, error_line=line),
    ])


CASES = [
    # --- push, replace, delete ---------------------------------------------------------
    Sequence("put_gauge", [put("/metrics/job/j1", GAUGE)]),
    Sequence("put_all_types_with_help", [put("/metrics/job/types/instance/i1", ALL_TYPES)]),
    Sequence("put_replaces_whole_group", [
        put("/metrics/job/j", "a 1\nb 2\n"), put("/metrics/job/j", "c 3\n")]),
    Sequence("post_replaces_only_pushed_families", [
        put("/metrics/job/j", "a 1\nb{x=\"1\"} 2\nb{x=\"2\"} 2\n"), post("/metrics/job/j", "b{x=\"3\"} 9\n")]),
    Sequence("post_may_change_type_within_own_group", [
        put("/metrics/job/j", "# TYPE a gauge\na 1\n"), post("/metrics/job/j", "# TYPE a counter\na 2\n")]),
    Sequence("put_empty_body_keeps_only_push_times", [
        put("/metrics/job/j", "a 1\n"), put("/metrics/job/j", "")]),
    Sequence("put_comments_only_creates_empty_group", [
        put("/metrics/job/j", "# a comment\n# TYPE x gauge\n# HELP x nothing\n")]),
    Sequence("post_empty_body_refreshes_push_time", [
        put("/metrics/job/j", "a 1\n"), post("/metrics/job/j", "")]),
    Sequence("delete_removes_group", [
        put("/metrics/job/j", "a 1\n"), put("/metrics/job/k", "b 1\n"), delete("/metrics/job/j")]),
    Sequence("delete_missing_group_is_accepted", [delete("/metrics/job/nothere/instance/x")]),
    Sequence("delete_then_put_applies_in_order", [
        put("/metrics/job/j", "a 1\n"), delete("/metrics/job/j"), put("/metrics/job/j", "b 2\n")]),
    Sequence("delete_with_grouping_labels_is_exact", [
        put("/metrics/job/j", "a 1\n"), put("/metrics/job/j/instance/x", "b 1\n"),
        delete("/metrics/job/j/instance/x")]),
    Sequence("put_keeps_push_failure_time", [
        put("/metrics/job/a", "# TYPE x counter\nx 1\n"),
        put("/metrics/job/b", "# TYPE x gauge\nx 1\n"),
        put("/metrics/job/b", "y 1\n")]),
    Sequence("failed_first_push_creates_group_with_zero_push_time", [
        put("/metrics/job/a", "# TYPE x counter\nx 1\n"),
        put("/metrics/job/fresh/instance/i", "# TYPE x gauge\nx 1\n")]),
    Sequence("pushed_push_time_seconds_is_overwritten", [
        put("/metrics/job/j", "# TYPE push_time_seconds gauge\npush_time_seconds 5\na 1\n")]),

    Sequence("put_may_change_type_of_own_family", [
        put("/metrics/job/j", "# TYPE a gauge\na 1\n"), put("/metrics/job/j", "# TYPE a counter\na 2\n")]),
    Sequence("conflict_resolved_by_deleting_the_other_group", [
        put("/metrics/job/a", "# TYPE x counter\nx 1\n"), put("/metrics/job/b", "# TYPE x gauge\nx 1\n"),
        delete("/metrics/job/a"), put("/metrics/job/b", "# TYPE x gauge\nx 1\n")]),
    Sequence("post_type_change_conflicting_with_other_group_rejected", [
        put("/metrics/job/a", "# TYPE x gauge\nx 1\n"), put("/metrics/job/b", "# TYPE x gauge\nx 2\ny 1\n"),
        post("/metrics/job/b", "# TYPE x counter\nx 3\n")]),
    Sequence("pushed_push_failure_time_seconds_is_overwritten", [
        put("/metrics/job/j", "push_failure_time_seconds 7\n")]),

    # --- label sanitation ----------------------------------------------------------------
    Sequence("grouping_labels_override_body_labels", [
        put("/metrics/job/j2/instance/inst", 'm{job="other",instance="i9",x="y"} 1\n')]),
    Sequence("body_instance_kept_per_series_without_grouping_instance", [
        put("/metrics/job/j", 'm{instance="a"} 1\nm{instance="b"} 2\nm 3\n')]),
    Sequence("groups_are_exact_label_sets", [
        put("/metrics/job/a", "m 1\n"), put("/metrics/job/a/instance/x", "m 2\n"),
        put("/metrics/job/a/zone/z", "m 3\n")]),
    Sequence("label_pair_order_is_irrelevant", [
        put("/metrics/job/j/a/1/b/2", "m 1\n"), put("/metrics/job/j/b/2/a/1", "n 1\n")]),
    Sequence("repeated_grouping_label_last_wins", [put("/metrics/job/j/a/1/a/2", "m 1\n")]),
    Sequence("job_pair_in_label_part_is_overridden", [put("/metrics/job/j/job/other", "m 1\n")]),
    Sequence("label_values_with_escapes", [
        put("/metrics/job/j", 'm{a="quote\\"q",b="back\\\\slash",c="new\\nline",d=""} 1\n')]),

    # --- URL grammar ---------------------------------------------------------------------
    Sequence("trailing_slash_after_job_means_no_labels", [put("/metrics/job/j7/", "m 1\n")]),
    Sequence("trailing_slash_after_name_means_empty_value", [put("/metrics/job/j/a/", "m 1\n")]),
    Sequence("odd_label_components_rejected", [
        put("/metrics/job/j/a/b/c", "m 1\n"), put("/metrics/job/j/a/b/", "m 1\n"),
        delete("/metrics/job/j/a")]),
    Sequence("bad_label_names_rejected", [
        put("/metrics/job/j/a-b/x", "m 1\n"), put("/metrics/job/j/__a/x", "m 1\n"),
        put("/metrics/job/j/1a/x", "m 1\n"), post("/metrics/job/j/__a@base64/eA", "m 1\n"),
        delete("/metrics/job/j/a-b/x")]),
    Sequence("base64_job_without_padding", [put("/metrics/job@base64/Zm9vL2Jhcg", "m 1\n")]),
    Sequence("base64_value_with_and_without_padding", [
        put("/metrics/job/j/a@base64/YWI=", "m 1\n"), put("/metrics/job/j/a@base64/YWI", "n 1\n"),
        put("/metrics/job/k/a@base64/YWI%3D", "o 1\n")]),
    Sequence("base64_equals_sign_is_empty_value", [put("/metrics/job/j/a@base64/=", "m 1\n")]),
    Sequence("base64_url_safe_alphabet", [put("/metrics/job/j/path@base64/Pz8-Pz8_", "m 1\n")]),
    Sequence("base64_value_with_slash_and_utf8", [
        put("/metrics/job/j/dir@base64/L3Zhci90bXAvzqA", "m 1\n")]),
    Sequence("bad_base64_rejected", [
        put("/metrics/job/j/a@base64/!!!", "m 1\n"), put("/metrics/job@base64/a!b", "m 1\n"),
        put("/metrics/job/j/a@base64/YWJ/Yw", "m 1\n")]),
    Sequence("empty_job_rejected", [
        put("/metrics/job@base64/=", "m 1\n"), delete("/metrics/job@base64/=")]),
    Sequence("percent_encoded_utf8_value", [put("/metrics/job/j/a/%CE%A0%C3%A9", "m 1\n")]),
    Sequence("percent_encoded_job", [put("/metrics/job/my%20job/instance/h%3A9", "m 1\n")]),
    Sequence("percent_2f_splits_before_routing", [
        put("/metrics/job/j/a/b%2Fc", "m 1\n"), put("/metrics/job/j/a/b%2Fc/d", "m 2\n")]),
    Sequence("plus_is_a_literal_plus", [put("/metrics/job/j/a/b+c%20d", "m 1\n")]),

    Sequence("base64_and_plain_job_address_the_same_group", [
        put("/metrics/job/etl", "a 1\n"), put("/metrics/job@base64/ZXRs", "b 2\n"),
        put("/metrics/job/etl/x@base64/eQ", "c 3\n"), delete("/metrics/job@base64/ZXRs=")]),
    Sequence("percent_encoded_at_base64_marker", [
        put("/metrics/job%40base64/Zm9v", "m 1\n"), put("/metrics/job/j/a%40base64/YmFy", "m 2\n")]),
    Sequence("empty_label_name_rejected", [
        put("/metrics/job/j/@base64/eA", "m 1\n"), put("/metrics/job/j//x", "m 1\n")]),
    Sequence("percent_2f_in_job_splits", [put("/metrics/job/a%2Fb", "m 1\n"),
                                          put("/metrics/job/a%2Fb%2Fc", "m 2\n")]),
    Sequence("trailing_slash_after_base64_name", [put("/metrics/job/j/a@base64/", "m 1\n")]),
    Sequence("repeated_delete_is_accepted", [
        put("/metrics/job/j", "a 1\n"), delete("/metrics/job/j"), delete("/metrics/job/j")]),
    Sequence("query_string_is_ignored", [
        put("/metrics/job/j?x=1", "a 1\n"), get("/metrics?debug=1"), get("/-/healthy?x")]),

    # --- routing: redirects, 404, 405, OPTIONS, HEAD ----------------------------------------
    Sequence("double_slash_redirects_permanently", [
        put("/metrics/job/j6/a//b/c", "m 1\n"), get("//metrics"),
        get("/metrics/./job/../job?x=1")]),
    Sequence("trailing_slash_redirects", [
        get("/metrics/"), put("/metrics/job/", "m 1\n"), delete("/metrics/job/"),
        get("/-/healthy/")]),
    Sequence("case_insensitive_redirect", [get("/METRICS"), get("/-/Healthy")]),
    Sequence("unknown_paths_are_404", [
        get("/nope"), put("/metrics/job", "m 1\n"), get("/metrics/job"), put("/metrics/jobs/j", "m 1\n"),
        get("/api/v1/nope"), get("/api/v1/")]),
    Sequence("api_without_slash_redirects", [get("/api/v1")]),
    Sequence("wrong_methods_are_405_with_allow", [
        get("/metrics/job/x"), Step("PATCH", "/metrics/job/x"), Step("POST", "/metrics"),
        Step("DELETE", "/metrics"), Step("POST", "/-/healthy"), Step("PUT", "/-/ready"),
        Step("DELETE", "/api/v1/metrics"), Step("POST", "/api/v1/status")]),
    Sequence("options_answers_allow", [
        Step("OPTIONS", "/metrics/job/x"), Step("OPTIONS", "/metrics"),
        Step("OPTIONS", "/api/v1/metrics"), Step("OPTIONS", "/api/v1/anything")]),
    # The Pushgateway does not route HEAD (405); flowgate may answer it like GET (spec §9).
    Sequence("head_is_405_or_answered", [
        Step("HEAD", "/metrics", compare=ANY_OF, flowgate_may=(200,), why="HEAD support is an improvement"),
        Step("HEAD", "/-/healthy", compare=ANY_OF, flowgate_may=(200,), why="HEAD support is an improvement")]),

    # --- health, UI, API ----------------------------------------------------------------
    Sequence("health_and_ready", [get("/-/healthy"), get("/-/ready")]),
    Sequence("status_api_and_ui", [
        get("/api/v1/status", compare_headers=("content-type",)), get("/", compare_headers=("content-type",)),
        get("/status"), get("/api/v1/metrics")]),
    # flowgate's status page is one self-contained HTML page (no embedded
    # Bootstrap/jQuery under /static), and pprof is Go's runtime profiler.
    Sequence("static_assets_and_pprof_are_pushgateway_only", [
        get("/static/favicon.ico", compare=ANY_OF, flowgate_may=(404,), why="no embedded assets"),
        get("/debug/pprof/", compare=ANY_OF, flowgate_may=(404,), why="Go runtime only"),
        get("/static/nothing")]),
    Sequence("api_metrics_lists_groups_and_types", [
        put("/metrics/job/a/instance/i", ALL_TYPES), put("/metrics/job/b", "x 1\n"),
        put("/metrics/job/c", "# TYPE x2 counter\nx2 0\n")]),
    # Since 1.9 the Pushgateway names the escaping of the names in every scrape's
    # Content-Type (escaping=underscores unless Accept asks otherwise), as flowgate does.
    Sequence("scrape_content_types_follow_accept", [
        put("/metrics/job/j", GAUGE),
        get("/metrics", compare_headers=("content-type",)),
        get("/metrics", headers={"Accept": "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"},
            compare_headers=("content-type",)),
        get("/metrics", headers={"Accept": pb.CONTENT_TYPE}, compare_headers=("content-type",)),
        *[get("/metrics", headers={"Accept": f"text/plain;version=0.0.4;escaping={scheme}"},
              compare_headers=("content-type",))
          for scheme in ("allow-utf-8", "underscores", "dots", "values", "unknown")],
        get("/metrics", headers={"Accept": pb.CONTENT_TYPE + ";escaping=allow-utf-8"},
            compare_headers=("content-type",)),
        # The Pushgateway never answers OpenMetrics; flowgate may (an improvement), so
        # only the status is compared here.
        get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})],
        reference="1.11.5"),
    Sequence("api_headers", [
        get("/api/v1/metrics", compare_headers=("content-type", "access-control-allow-origin")),
        Step("OPTIONS", "/api/v1/status", compare_headers=(
            "access-control-allow-origin", "access-control-allow-methods"))]),
    Sequence("scrape_with_gzip_accept_encoding", [
        put("/metrics/job/j", GAUGE),
        get("/metrics", headers={"Accept-Encoding": "gzip"}, compare_headers=("content-encoding",))]),

    # --- admin and lifecycle --------------------------------------------------------------
    Sequence("wipe_without_flag_is_404", [
        put("/metrics/job/j", "m 1\n"), put("/api/v1/admin/wipe")]),
    Sequence("wipe_with_flag_deletes_all_groups", [
        put("/metrics/job/j", "m 1\n"), put("/metrics/job/k/instance/x", "n 1\n"),
        put("/api/v1/admin/wipe"), get("/api/v1/admin/wipe")], flags=("--web.enable-admin-api",)),
    Sequence("quit_without_flag_is_403", [
        put("/-/quit"), Step("POST", "/-/quit"), get("/-/quit")]),
    # The Pushgateway may exit before its 200 reaches the client.
    Sequence("quit_with_flag_stops_server", [Step(
        "POST", "/-/quit", compare=ANY_OF, flowgate_may=(200, CONNECTION_CLOSED),
        why="the answer races the shutdown")],
             flags=("--web.enable-lifecycle",), scrape_after=False),

    # --- route prefix ---------------------------------------------------------------------
    Sequence("route_prefix_moves_every_route", [
        get("/metrics"), put("/metrics/job/j", "m 1\n"), put("/pg/metrics/job/j", "m 1\n"),
        get("/pg/-/healthy"), get("/pg/api/v1/status"), get("/pg"), get("/-/healthy"),
        post("/pg/metrics/job/k/a@base64/=", "n 2\n")], flags=("--web.route-prefix=/pg",)),

    # --- consistency across groups ---------------------------------------------------------
    Sequence("timestamp_rejected", [
        put("/metrics/job/j", "a 1\n"), put("/metrics/job/j", "a 1 1700000000000\n"),
        post("/metrics/job/k", "b 1 -5\n")]),
    Sequence("type_conflict_across_groups", [
        put("/metrics/job/a", "# TYPE x counter\nx 1\n"), put("/metrics/job/b", "# TYPE x gauge\nx 1\n"),
        post("/metrics/job/b", "x 1\n")]),
    Sequence("duplicate_series_within_one_push", [
        put("/metrics/job/j", "m 1\nm 2\n"), put("/metrics/job/k", 'm{a="1"} 1\nn 0\nm{a="1"} 2\n')]),
    Sequence("duplicate_series_across_groups", [
        put("/metrics/job/a", 'm{instance="x"} 1\n'), put("/metrics/job/a/instance/x", "m 2\n")]),
    Sequence("histogram_suffix_collisions", [
        put("/metrics/job/a", "# TYPE hh histogram\nhh_bucket{le=\"1\"} 1\nhh_sum 1\nhh_count 1\n"),
        put("/metrics/job/b", "hh_count 3\n"), put("/metrics/job/c", "hh_bucket 3\n"),
        put("/metrics/job/d", "# TYPE yy histogram\nyy_count 1\nyy_sum 2\n"),
        put("/metrics/job/e", "# TYPE yy_sum gauge\nyy_sum 1\n")]),
    Sequence("summary_suffix_collisions", [
        put("/metrics/job/a", "ss_sum 1\n"),
        put("/metrics/job/b", "# TYPE ss summary\nss_sum 1\nss_count 2\n"),
        put("/metrics/job/c", "# TYPE tt summary\ntt{quantile=\"0.5\"} 1\ntt_sum 1\ntt_count 1\n"),
        put("/metrics/job/d", "tt_count 1\n")]),
    # The clashing own-metric name differs (go_goroutines vs flowgate_store_groups);
    # both must refuse a counter of that name, and accept a gauge.
    Sequence("type_clash_with_own_metric", [
        put("/metrics/job/a", "# TYPE @OWN_GAUGE@ counter\n@OWN_GAUGE@ 1\n", compare=CLASS,
            why="a different own metric is hit; any refusal (4xx) will do"),
        put("/metrics/job/b", "# TYPE other gauge\nother 1\n")]),
    Sequence("reserved_body_label_rejected", [
        put("/metrics/job/j", 'm{__foo="x"} 1\n'), put("/metrics/job/k", "m 1\n")]),
    Sequence("quantile_grouping_label_on_summary_rejected", [
        put("/metrics/job/j/quantile/0.5", "# TYPE s summary\ns_sum 1\ns_count 1\n")]),
    Sequence("help_conflict_across_groups_is_tolerated", [
        put("/metrics/job/a", "# HELP x one\nx 1\n"), put("/metrics/job/b", "# HELP x two\nx 2\n")],
        nondeterministic_help=("x",)),
    Sequence("same_family_in_many_groups_merges", [
        put("/metrics/job/a", "# TYPE x counter\nx 1\n"),
        put("/metrics/job/b/instance/i", "# TYPE x counter\nx 2\n"),
        put("/metrics/job/b", "# TYPE x counter\nx{l=\"v\"} 3\n")]),
    # With the check disabled the push is accepted at once (202) and the damage only
    # shows at scrape time (500). flowgate may keep checking and refuse (4xx): safer.
    Sequence("disabled_consistency_check_accepts_at_once", [
        put("/metrics/job/a", "m 1\n"), delete("/metrics/job/a"), put("/metrics/job/b", "n 1\n")],
        flags=("--push.disable-consistency-check",)),

    # An inconsistent store (only reachable with the check off) must fail scrapes
    # with 500, as the Pushgateway's does, rather than serve a wrong exposition.
    Sequence("disabled_check_inconsistent_store_fails_scrapes", [
        put("/metrics/job/a", "# TYPE x counter\nx 1\n"), put("/metrics/job/b", "# TYPE x gauge\nx 1\n")],
        flags=("--push.disable-consistency-check",)),
    Sequence("disabled_check_suffix_collision_fails_scrapes", [
        put("/metrics/job/c", "# TYPE hh histogram\nhh_bucket{le=\"1\"} 1\nhh_sum 1\nhh_count 1\n"),
        put("/metrics/job/d", "hh_count 3\n")], flags=("--push.disable-consistency-check",)),
    Sequence("disabled_check_duplicate_across_groups_fails_scrapes", [
        put("/metrics/job/e", 'm{instance="x"} 1\n'), put("/metrics/job/e/instance/x", "m 2\n")],
        flags=("--push.disable-consistency-check",)),
    # The Pushgateway accepts these (202) and drops or fails them later; refusing
    # them at once (400) tells the client, so flowgate may.
    Sequence("disabled_check_refusing_early_is_allowed", [
        put("/metrics/job/c", "y 1 1000\n", compare=ANY_OF, flowgate_may=(400,), why="timestamps never stored"),
        put("/metrics/job/d", "z 1\nz 2\n", compare=ANY_OF, flowgate_may=(400,), why="duplicate series")],
        flags=("--push.disable-consistency-check",), compare_state=False),
    Sequence("disabled_check_delete_heals_the_store", [
        put("/metrics/job/a", "# TYPE x counter\nx 1\n"), put("/metrics/job/b", "# TYPE x gauge\nx 1\n"),
        delete("/metrics/job/b")], flags=("--push.disable-consistency-check",)),

    # --- text parser: accepted forms and number formatting ---------------------------------
    Sequence("text_lenient_forms_accepted", [put("/metrics/job/j", (
        "\n  \n#HELP a  spaced help \n# TYPE a gauge\n  a{ x = \"1\" , } 1\n\ta{} 2\n"
        "# random comment\n#TYPE\n# HELP\n# TYPE b\nb 3\n"))]),
    Sequence("values_are_reformatted", [put("/metrics/job/j", (
        "v{n=\"1\"} 1000000\nv{n=\"2\"} 999999\nv{n=\"3\"} 123456.7\nv{n=\"4\"} 0.0001\n"
        "v{n=\"5\"} 0.00001\nv{n=\"6\"} 1e21\nv{n=\"7\"} -0\nv{n=\"8\"} .5\nv{n=\"9\"} 5.\n"
        "v{n=\"10\"} -1.5E+3\nv{n=\"11\"} nan\nv{n=\"12\"} +Inf\nv{n=\"13\"} -inf\n"
        "v{n=\"14\"} infinity\nv{n=\"15\"} 123456789\nv{n=\"16\"} 1e-7\n"))]),
    Sequence("histogram_bounds_reformatted_and_inf_synthesized", [put("/metrics/job/j", (
        "# TYPE h histogram\nh_bucket{le=\"0.50\"} 1\nh_bucket{le=\"1e1\"} 2\nh_sum 3\nh_count 4\n"))]),
    # Non-integral bucket counts: 1.5.1 truncates them to integers, newer
    # Pushgateways (prometheus/common) keep float histograms, as flowgate does.
    Sequence("float_histogram_counts", [put("/metrics/job/j", (
        "# TYPE fh histogram\nfh_bucket{le=\"1\"} 0.5\nfh_sum 1\nfh_count 1.5\n"))],
        compare_state=False),
    Sequence("summary_quirks", [put("/metrics/job/j", (
        "# TYPE s summary\ns 5\ns{quantile=\"0.50\"} 1\ns_sum 2\ns_count 3.7\n"))]),
    # x_count seen before "# TYPE x summary" is its own untyped family, which then
    # collides with the summary x.
    Sequence("suffix_before_type_is_own_family", [
        put("/metrics/job/j", "x_count 1\n# TYPE x summary\nx_sum 1\n"),
        put("/metrics/job/k", "y_count 1\n# TYPE y gauge\ny 1\n")]),
    # Debian's 1.5.1 does not know gauge histograms; 1.11 does. flowgate may accept.
    Sequence("gauge_histogram_type", [put("/metrics/job/j", (
        "# TYPE gh gaugehistogram\ngh_bucket{le=\"1\"} 1\ngh_sum 1\ngh_count 1\n"),
        compare=ANY_OF, flowgate_may=(200,), why="gauge histograms arrived after 1.5.1")],
        compare_state=False),
    Sequence("families_sorted_bytewise", [put("/metrics/job/j", (
        "b 1\nB 1\na_b 1\na 1\n_x 1\n:y 1\nab:c 1\nA_ 1\n"))]),
    Sequence("names_and_values_in_unusual_forms", [put("/metrics/job/j", (
        "a:b:c 1\n_under{_l=\"x\"} 2\ntabbed\t3\nutf{v=\"\u03a0\u00e9\u65e5\"} 4\n"
        "more{n=\"1\"} 0.30000000000000004\nmore{n=\"2\"} 1.7976931348623157e308\n"
        "more{n=\"3\"} 5e-324\nmore{n=\"4\"} -0.0001\nmore{n=\"5\"} 1234567\n"
        "more{n=\"6\"} 123456\nmore{n=\"7\"} 1e-5\nmore{n=\"8\"} 0.000123\n"
        "more{n=\"9\"} 18446744073709551616\nmore{n=\"10\"} -1e+100\n"))]),
    Sequence("families_need_not_be_contiguous", [put("/metrics/job/j", (
        "a{i=\"1\"} 1\nb 2\na{i=\"2\"} 3\n"))]),
    # The Pushgateway parses OpenMetrics bodies as text 0.0.4; flowgate reads
    # them as OpenMetrics 1.0: a valid one is stored with its types and
    # _created, one that breaks the specification is refused.
    Sequence("openmetrics_body_read_as_openmetrics", [put("/metrics/job/j", (
        "# TYPE foo_seconds counter\n# UNIT foo_seconds seconds\nfoo_seconds_total 1\nfoo_seconds_created 2\n"
        "# EOF\n"),
        headers={"Content-Type": "application/openmetrics-text; version=1.0.0; charset=utf-8"})],
        compare_state=False),
    Sequence("openmetrics_body_breaking_the_specification", [put("/metrics/job/j", (
        "# TYPE foo counter\n# UNIT foo seconds\nfoo_total 1\nfoo_created 2\n# EOF\n"),
        headers={"Content-Type": "application/openmetrics-text; version=1.0.0; charset=utf-8"},
        compare=ANY_OF, flowgate_may=(400,), why="read as OpenMetrics 1.0, where a unit must end the name")],
        compare_state=False),
    Sequence("help_escapes", [put("/metrics/job/j", "# HELP a back\\\\slash new\\nline\na 1\n")]),
    parse_error("missing_final_newline", "a 1\nb 2", 2),
    parse_error("crlf_line_end", "a 1\r\n", 1),
    parse_error("invalid_metric_name", "a 1\n1abc 1\n", 2),
    parse_error("labels_without_name", "a 1\n{l=\"v\"} 1\n", 2),
    parse_error("bad_values", "a 1\nb 2\nc abc\n", 3),
    parse_error("hex_value", "a 0x1\n", 1),
    parse_error("underscore_value", "a 1\nb 1_000\n", 2),
    parse_error("signed_nan", "a +NaN\n", 1),
    parse_error("out_of_range_value", "a 1e400\n", 1),
    parse_error("blank_after_value", "a 1\nb 1 \n", 2),
    parse_error("float_timestamp", "a 1 1.5\n", 1),
    parse_error("spurious_after_timestamp", "a 1 1 x\n", 1),
    parse_error("second_help", "# HELP a x\n# HELP a y\na 1\n", 2),
    parse_error("second_type", "# TYPE a gauge\n# TYPE a gauge\na 1\n", 2),
    parse_error("type_after_samples", "a 1\n# TYPE a gauge\n", 2),
    parse_error("unknown_type", "# TYPE a gaugex\na 1\n", 1),
    parse_error("type_with_trailing_blank", "# TYPE a gauge \na 1\n", 1),
    parse_error("invalid_help_escape", "# HELP a bad \\x escape\na 1\n", 1),
    parse_error("bad_comment_name", "# TYPE a-b gauge\n", 1),
    parse_error("label_missing_equals", "a{l \"v\"} 1\n", 1),
    parse_error("label_unquoted_value", "a{l=v} 1\n", 1),
    parse_error("label_unterminated", "a 1\na{l=\"v} 1\n", 2),
    parse_error("label_raw_newline", "a{l=\"v\nw\"} 1\n", 1),
    parse_error("label_bad_escape", "a{l=\"\\t\"} 1\n", 1),
    parse_error("duplicate_label_names", "a{l=\"1\",l=\"2\"} 1\n", 1),
    parse_error("reserved_name_label", "a{__name__=\"x\"} 1\n", 1),
    parse_error("invalid_label_name", "a{1l=\"x\"} 1\n", 1),
    parse_error("invalid_utf8_label_value", b"a{l=\"\xff\xfe\"} 1\n", 1),
    parse_error("bad_quantile", "# TYPE s summary\ns{quantile=\"q\"} 1\n", 2),
    parse_error("bad_le", "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", 2),
    # 1.5.1 stores a negative float bucket as 2^64-1; newer versions reject it
    # ("negative count/bucket population", spec §8.2), as flowgate does.
    Sequence("negative_float_bucket", [put(
        "/metrics/job/j", "# TYPE h histogram\nh_bucket{le=\"1\"} -1.5\n",
        compare=ANY_OF, flowgate_may=(400,), why="newer parsers reject negative populations")],
        compare_state=False),
    parse_error("openmetrics_float_timestamp", "a_total 1 1.5\n# EOF\n", 1),

    # --- protobuf bodies ------------------------------------------------------------------
    Sequence("protobuf_all_types", [put("/metrics/job/pb/instance/i", pb.delimited(
        pb.family("pc_total", "counter", [pb.metric({"k": "v"}, 3, "counter")], "A counter."),
        pb.family("pg", "gauge", [pb.metric({}, -1.25, "gauge")]),
        pb.family("pu", "untyped", [pb.metric({"a": "1"}, 1e21, "untyped"),
                                    pb.metric({"a": "2"}, 0.5, "untyped")]),
        pb.family("ps", "summary", [pb.metric({}, kind="summary", count=4, total=2.5,
                                              quantiles={0.5: 1, 0.9: 2})], "A summary."),
        pb.family("ph", "histogram", [pb.metric({}, kind="histogram", count=5, total=3,
                                                buckets={0.5: 1, 1.0: 3})])), headers=PROTO)]),
    Sequence("protobuf_post_replaces_family", [
        put("/metrics/job/pb", "a 1\nb 2\n"),
        post("/metrics/job/pb", pb.delimited(pb.family("b", "gauge", [pb.metric({}, 5)])), headers=PROTO)]),
    Sequence("protobuf_duplicate_family_last_wins", [put("/metrics/job/pb", pb.delimited(
        pb.family("d", "gauge", [pb.metric({}, 1)]),
        pb.family("d", "gauge", [pb.metric({"x": "y"}, 2)])), headers=PROTO)]),
    Sequence("protobuf_timestamp_rejected", [put("/metrics/job/pb", pb.delimited(
        pb.family("t", "gauge", [pb.metric({}, 1, timestamp_ms=1700000000000)])), headers=PROTO)]),
    Sequence("protobuf_truncated_rejected", [
        put("/metrics/job/pb", pb.delimited(pb.family("t", "gauge", [pb.metric({}, 1)]))[:-3],
            headers=PROTO),
        put("/metrics/job/pb2", b"\x05\x0a", headers=PROTO)]),
    Sequence("protobuf_reserved_label_rejected", [put("/metrics/job/pb", pb.delimited(
        pb.family("r", "gauge", [pb.metric({"__x": "1"}, 1)])), headers=PROTO)]),
    Sequence("protobuf_invalid_label_name_rejected", [put("/metrics/job/pb", pb.delimited(
        pb.family("r", "gauge", [pb.metric({"a-b": "1"}, 1)])), headers=PROTO)]),
    Sequence("protobuf_invalid_utf8_label_value_rejected", [put("/metrics/job/pb", pb.delimited(
        pb.family("r", "gauge", [pb.metric({"a": b"\xff\xfe"}, 1)])), headers=PROTO)]),
    # The Pushgateway keeps a pushed family without series and lists it in
    # /api/v1/metrics with "metrics": []; flowgate drops it at push time, as
    # both drop it from /metrics, so only the scrape is compared.
    Sequence("protobuf_empty_family_is_dropped", [put("/metrics/job/pb", pb.delimited(
        pb.family("empty", "gauge", []), pb.family("kept", "gauge", [pb.metric({}, 1)])), headers=PROTO)],
        compare_api=False),
    Sequence("protobuf_special_values", [put("/metrics/job/pb", pb.delimited(
        pb.family("special", "untyped", [pb.metric({"v": "nan"}, float("nan"), "untyped"),
                                         pb.metric({"v": "inf"}, float("-inf"), "untyped"),
                                         pb.metric({"v": "tiny"}, 1e-300, "untyped")]),
        pb.family("noinf", "histogram", [pb.metric({}, kind="histogram", count=9, total=1,
                                                   buckets={0.25: 2})])), headers=PROTO)]),
    Sequence("protobuf_body_instance_kept", [put("/metrics/job/pb", pb.delimited(
        pb.family("bi", "gauge", [pb.metric({"instance": "a"}, 1), pb.metric({"instance": "b"}, 2)])),
        headers=PROTO)]),
    Sequence("protobuf_empty_body_keeps_only_push_times", [
        put("/metrics/job/pb", "a 1\n"), put("/metrics/job/pb", b"", headers=PROTO)]),
    Sequence("protobuf_value_kind_must_match_family_type", [put("/metrics/job/pb", pb.delimited(
        pb.family("mismatch_total", "counter", [pb.metric({}, 1, "gauge")])), headers=PROTO)]),
    Sequence("protobuf_explicit_quantile_label_rejected", [put("/metrics/job/pb", pb.delimited(
        pb.family("q", "summary", [pb.metric({"quantile": "0.5"}, kind="summary", count=1, total=1)])),
        headers=PROTO)]),
    Sequence("protobuf_empty_label_name_rejected", [put("/metrics/job/pb", pb.delimited(
        pb.family("e", "gauge", [pb.metric({"": "v"}, 1)])), headers=PROTO)]),
    Sequence("protobuf_unknown_fields_ignored", [put("/metrics/job/pb", pb.delimited(
        pb.family("withunit_seconds", "gauge", [pb.metric({}, 3)]) + b"\x2a\x07seconds"), headers=PROTO)]),
    Sequence("protobuf_content_type_params_must_match", [
        put("/metrics/job/t", "a 1\n", headers={
            "Content-Type": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                            "encoding=text"}),
        put("/metrics/job/u", "a 1\n", headers={"Content-Type": "application/vnd.google.protobuf"})]),

    # --- compressed bodies ----------------------------------------------------------------
    Sequence("gzip_text_body", [
        put("/metrics/job/z", gzip.compress(b"# TYPE g gauge\ng 3\n"),
            headers={**TEXT, "Content-Encoding": "gzip"}),
        post("/metrics/job/z", gzip.compress(b"h 4\n"), headers={**TEXT, "Content-Encoding": "gzip"})]),
    Sequence("gzip_protobuf_body", [put("/metrics/job/z", gzip.compress(pb.delimited(
        pb.family("zg", "gauge", [pb.metric({}, 7)]))), headers={**PROTO, "Content-Encoding": "gzip"})]),
    Sequence("broken_gzip_rejected", [
        put("/metrics/job/z", b"not gzip at all\n", headers={**TEXT, "Content-Encoding": "gzip"}),
        put("/metrics/job/x", gzip.compress(b"a 1\nb"), headers={**TEXT, "Content-Encoding": "gzip"})]),
    # Without its CRC trailer the stream still inflates completely; the Pushgateway
    # stores it. Refusing it (400) is the safer choice, so flowgate may.
    Sequence("gzip_without_trailer", [
        put("/metrics/job/y", gzip.compress(b"a 1\n")[:-6], headers={**TEXT, "Content-Encoding": "gzip"},
            compare=ANY_OF, flowgate_may=(400,), why="a stream without CRC trailer is corrupt")],
        compare_state=False),
    # The Pushgateway parses a body of an encoding it does not know as plain
    # text; flowgate says it cannot read it (415) and stores nothing.
    Sequence("unknown_content_encoding_refused", [
        put("/metrics/job/z", "a 1\n", headers={**TEXT, "Content-Encoding": "deflate"},
            compare=ANY_OF, flowgate_may=(415,), why="an encoding flowgate cannot read is refused, not guessed")],
        compare_state=False),
    # Snappy bodies (the framing format) came with Pushgateway 1.6: compared with 1.11.5.
    Sequence("snappy_text_body", [
        put("/metrics/job/s", snappy_frames.frames(b"# TYPE g gauge\ng 3\n"),
            headers={**TEXT, "Content-Encoding": "snappy"}),
        post("/metrics/job/s", snappy_frames.frames(b"h 4\n", compressed=False),
             headers={**TEXT, "Content-Encoding": "SNAPPY"})], reference="1.11.5"),
    Sequence("snappy_protobuf_body", [put("/metrics/job/s", snappy_frames.frames(pb.delimited(
        pb.family("sg", "gauge", [pb.metric({"k": "v"}, 7)]))), headers={**PROTO, "Content-Encoding": "snappy"})],
        reference="1.11.5"),
    Sequence("snappy_body_spanning_chunks", [
        put("/metrics/job/s", snappy_frames.frames(
            "".join(f'big{{i="{i}"}} {i}\n' for i in range(6000)).encode()),
            headers={**TEXT, "Content-Encoding": "snappy"})], reference="1.11.5"),
    Sequence("broken_snappy_rejected", [
        put("/metrics/job/s", b"a 1\n", headers={**TEXT, "Content-Encoding": "snappy"}),
        put("/metrics/job/s", snappy_frames.frames(b"a 1\n", crc_of=b"a 2\n"),
            headers={**TEXT, "Content-Encoding": "snappy"}),
        put("/metrics/job/s", snappy_frames.frames(b"a 1\n")[:-2], headers={**TEXT, "Content-Encoding": "snappy"})],
        reference="1.11.5"),
    # The Pushgateway inflates every request body, so an empty body declared
    # gzip gets 400 "EOF" even on GET and DELETE; flowgate inflates only push
    # bodies (there is nothing to read in the others) and answers as usual.
    Sequence("gzip_header_on_get_with_empty_body", [
        get("/-/healthy", headers={"Content-Encoding": "gzip"}, compare=ANY_OF, flowgate_may=(200,),
            why="only push bodies are inflated"),
        delete("/metrics/job/z", headers={"Content-Encoding": "gzip"}, compare=ANY_OF, flowgate_may=(202,),
               why="only push bodies are inflated")]),

    Sequence("telemetry_path_moves_only_the_scrape", [
        put("/metrics/job/j", "a 1\n"), get("/metrics"), get("/custom"), get("/custom/")],
        flags=("--web.telemetry-path=/custom",)),

    # --- bigger pushes ----------------------------------------------------------------------
    # As long and as many as flowgate's default limits allow (8 KiB values,
    # 64 labels per series): beyond them flowgate refuses on purpose
    # (docs/flags.md, Push limits), which tests/pushgw/push_limits_test.cpp covers.
    Sequence("long_values_and_many_labels", [put("/metrics/job/j", "wide{%s} 1\nlong{v=\"%s\"} 2\n" % (
        ",".join(f'l{i}="{i}"' for i in range(60)), "x" * 8192))]),
    Sequence("many_series_and_groups", [
        put(f"/metrics/job/bulk/shard/{shard}", "".join(
            f'bulk_value{{series="{i}"}} {i * shard}\n' for i in range(200)))
        for shard in range(5)]),
]
