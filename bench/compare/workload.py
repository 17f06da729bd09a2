"""The bodies both servers get, generated once per run and deterministically
(no randomness), so runs compare.

A stored group looks like what a Prefect flow run pushes: task durations as a
histogram, record and request counters, queue depths and last-success
timestamps, all labelled by task. Each group holds exactly SERIES_PER_GROUP
series (the servers add push_time_seconds and push_failure_time_seconds).
"""

SERIES_PER_GROUP = 1000

# The small push of the throughput runs: a counter, a gauge and a 5-bucket
# histogram (~690 bytes); push.lua reads it from the file the harness writes.
SMALL_PUSH = """\
# HELP bench_jobs_processed_total Jobs the task processed.
# TYPE bench_jobs_processed_total counter
bench_jobs_processed_total{task="extract"} 1027
# HELP bench_queue_depth Items waiting in the task's queue.
# TYPE bench_queue_depth gauge
bench_queue_depth{task="extract"} 17
# HELP bench_step_duration_seconds How long one step took.
# TYPE bench_step_duration_seconds histogram
bench_step_duration_seconds_bucket{le="0.1"} 3
bench_step_duration_seconds_bucket{le="0.5"} 9
bench_step_duration_seconds_bucket{le="1"} 14
bench_step_duration_seconds_bucket{le="5"} 20
bench_step_duration_seconds_bucket{le="+Inf"} 21
bench_step_duration_seconds_sum 31.25
bench_step_duration_seconds_count 21
"""

_BUCKETS = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")  # 9 + sum + count = 11 series
_TASKS = 40
_QUEUES = 100


def _histogram(lines, group):
    name = "flow_task_duration_seconds"
    lines.append(f"# HELP {name} Duration of one task run.")
    lines.append(f"# TYPE {name} histogram")
    for task in range(_TASKS):
        labels = f'flow="etl_{group % 50}",task="task_{task}"'
        cumulative = 0
        for index, bound in enumerate(_BUCKETS):
            cumulative += (group + task + index) % 7
            lines.append(f'{name}_bucket{{{labels},le="{bound}"}} {cumulative}')
        lines.append(f"{name}_sum{{{labels}}} {cumulative * 1.75 + task / 8}")
        lines.append(f"{name}_count{{{labels}}} {cumulative}")


def _counter(lines, name, help_text, second_label, values, group):
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} counter")
    for task in range(_TASKS):
        for value in values:
            lines.append(f'{name}{{task="task_{task}",{second_label}="{value}"}} {(group * 31 + task * 7) % 100000}')


def _gauge(lines, name, help_text, label, count, group, scale):
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} gauge")
    for index in range(count):
        lines.append(f'{name}{{{label}="{label}_{index}"}} {(group + index) * scale}')


def group_body(group):
    """Text body of stored group `group` (SERIES_PER_GROUP series)."""
    lines = []
    _histogram(lines, group)  # 440 series
    _counter(lines, "flow_records_processed_total", "Records a task processed, by source.", "source",
             ("crm", "ads", "web", "mail", "shop"), group)  # 200
    _counter(lines, "flow_http_requests_total", "HTTP requests a task made, by status code.", "code",
             ("200", "404", "429", "500"), group)  # 160
    _gauge(lines, "flow_queue_depth", "Items waiting in a queue.", "queue", _QUEUES, group, 3)  # 100
    _gauge(lines, "flow_last_success_timestamp_seconds", "When a step last succeeded.", "step", _QUEUES,
           group, 1700000000.5)  # 100
    return "\n".join(lines) + "\n"


def group_path(group):
    """Grouping key of stored group `group`: a flow's job and a worker instance."""
    return f"/metrics/job/flow_{group % 97}/instance/worker-{group}"


def stored_groups(first, count):
    """(path, body) of stored groups first .. first+count-1."""
    return [(group_path(g), group_body(g)) for g in range(first, first + count)]


def small_group_path(group):
    """Grouping key of group `group` of the spread-out small pushes (push.lua's scheme)."""
    return f"/metrics/job/bench/instance/i{group}"


# The other 10M shape of issue 22 (1M groups × 10): one pipeline step's push,
# a 4-bucket histogram (6 series), two counters and two gauges.
TEN_SERIES_BUCKETS = ("0.1", "1", "10", "+Inf")


def ten_series_body(group):
    """Text body of stored group `group` in the ten-series shape (exactly 10 series)."""
    name = "flow_task_duration_seconds"
    labels = f'flow="etl_{group % 50}",task="task_{group % 40}"'
    lines = [f"# HELP {name} Duration of one task run.", f"# TYPE {name} histogram"]
    cumulative = 0
    for index, bound in enumerate(TEN_SERIES_BUCKETS):
        cumulative += (group + index) % 7
        lines.append(f'{name}_bucket{{{labels},le="{bound}"}} {cumulative}')
    lines += [f"{name}_sum{{{labels}}} {cumulative * 1.75}", f"{name}_count{{{labels}}} {cumulative}",
              "# HELP flow_records_processed_total Records a task processed, by source.",
              "# TYPE flow_records_processed_total counter"]
    lines += [f'flow_records_processed_total{{source="{source}"}} {(group * 31) % 100000}' for source in ("crm", "web")]
    lines += ["# HELP flow_queue_depth Items waiting in a queue.", "# TYPE flow_queue_depth gauge",
              f"flow_queue_depth {group % 1000}",
              "# HELP flow_last_success_timestamp_seconds When a step last succeeded.",
              "# TYPE flow_last_success_timestamp_seconds gauge", f"flow_last_success_timestamp_seconds {1700000000 + group}"]
    return "\n".join(lines) + "\n"
