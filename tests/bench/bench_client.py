"""The Python side of the benchmark: Waldur's official client fetching every course account.

Prints one JSON line: accounts, seconds (median wall time of one fetch of all pages). Its peak RSS is
measured from outside, as every client's is (the benchmark's launcher, src/rss.rs).
"""
import json
import sys
import time

from waldur_api_client.api.marketplace_course_accounts import marketplace_course_accounts_list
from waldur_api_client.client import AuthenticatedClient


def main() -> None:
    base_url, token, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = AuthenticatedClient(base_url=base_url, token=token)
    times = []
    for _ in range(max(1, reps)):
        started = time.perf_counter()
        accounts = marketplace_course_accounts_list.sync_all(client=client)
        times.append(time.perf_counter() - started)
    seconds = sorted(times)[len(times) // 2]
    print(json.dumps({"accounts": len(accounts), "seconds": seconds}))


if __name__ == "__main__":
    main()
