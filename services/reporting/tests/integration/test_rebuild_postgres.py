"""A rebuild on PostgreSQL (tables swapped between schemas) and RabbitMQ gives the live read model's figures."""
import pytest
import rebuild_scenario
from kombu import Connection

pytestmark = pytest.mark.integration


def test_a_rebuild_on_postgresql_and_rabbitmq_gives_the_same_figures(postgres_database, amqp_url):
    rebuild_scenario.run(postgres_database("reporting"), postgres_database("customer"), lambda: Connection(amqp_url))
