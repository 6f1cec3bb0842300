"""Odoo IAP out of reach: resolving the name and connecting share one
deadline, and the log says where the time went.

The service's host is a real loopback listener whose queue is full, so that
connecting to it hangs as to a dead host; only the name resolution (the
internet) is patched: slow, or giving that address several times.
"""
import socket
import time
from unittest.mock import patch

from odoo.tests import BaseCase, tagged

from ..tools import lead_mining_client
from ..tools.lead_mining_client import LeadMiningClient, ServiceUnreachableError
from .common import dead_host
from .lead_mining_server import LeadMiningTestServer

DEADLINE = 2
_getaddrinfo = socket.getaddrinfo


@tagged("post_install", "-at_install", "lead_mining")
class TestIapConnectDeadline(BaseCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.port = cls.enterClassContext(dead_host())

    def _mine_and_time(self, resolver):
        client = LeadMiningClient(
            reveal_endpoint=f"http://localhost:{self.port}", iap_endpoint=f"http://localhost:{self.port}",
            account_token="token", dbuuid="uuid", timeout=100,
        )
        started = time.monotonic()
        with patch.object(lead_mining_client, "CONNECT_DEADLINE", DEADLINE, create=True), \
                patch.object(socket, "getaddrinfo", resolver), \
                patch.object(lead_mining_client._logger, "info") as log, \
                self.assertRaises(ServiceUnreachableError) as caught, client:
            client._call(client.reveal_endpoint + "/api/dnb/1/search_by_criteria", {}, 100, debits=True)
        return time.monotonic() - started, caught.exception, self._logged(log)

    @staticmethod
    def _logged(log):
        return "\n".join(call.args[0] % call.args[1:] for call in log.call_args_list)

    def test_every_address_shares_one_deadline(self):
        """Three dead addresses: 2 s for all of them, not 2 s each (nor 10 s each)."""
        def three_addresses(host, port, *args):
            return _getaddrinfo("127.0.0.1", port, *args) * 3

        elapsed, error, log = self._mine_and_time(three_addresses)
        self.assertLess(elapsed, DEADLINE + 1.5, log)
        self.assertFalse(error.maybe_charged, "nothing was sent")
        self.assertIn(f"within {DEADLINE} seconds", error.message)
        # The connections take what resolving left of the 2 s (1.99 s on a busy machine).
        self.assertRegex(log, r"failed \(unreachable\) after 2\.\d\ds \(resolving 0\.\d\ds, connecting [12]\.\d\ds")

    def test_a_silent_resolver_takes_from_the_same_deadline(self):
        def silent_resolver(host, port, *args):
            time.sleep(DEADLINE + 3)
            return _getaddrinfo("127.0.0.1", port, *args)

        elapsed, error, log = self._mine_and_time(silent_resolver)
        self.assertLess(elapsed, DEADLINE + 1.5, log)
        self.assertFalse(error.maybe_charged, "nothing was sent")
        self.assertRegex(log, r"failed \(unreachable\) after 2\.\d\ds \(resolving 2\.\d\ds, connecting 0\.00s")

    def test_a_reachable_service_logs_its_phases(self):
        """The balance call of the loopback service: answered, each phase logged."""
        server = LeadMiningTestServer(balance=42).start()
        self.addCleanup(server.stop)
        with LeadMiningClient(reveal_endpoint=server.url, iap_endpoint=server.url, account_token="token",
                              dbuuid="uuid") as client, \
                patch.object(lead_mining_client._logger, "info") as log:
            self.assertEqual(client.get_balance(), server.balance)
        self.assertRegex(self._logged(log), r"answered after \d+\.\d\ds \(resolving \d\.\d\ds, connecting \d\.\d\ds, "
                                         r"sending and reading \d\.\d\ds\)")
