"""A rebuild on SQLite and the in-memory bus gives the figures of the live read model."""
import rebuild_scenario
from kombu import Connection


def test_a_rebuild_gives_the_same_figures_as_the_live_read_model(tmp_path):
    rebuild_scenario.run(f"sqlite:///{tmp_path / 'reporting.db'}", f"sqlite:///{tmp_path / 'customer.db'}",
                         lambda: Connection("memory://"))
