"""The bare Router's signaling (bench/sfu/server.py): POST /publish, /subscribe, /answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp


class RouterClient:
    def __init__(self, url: str) -> None:
        self._url = url
        self._http = aiohttp.ClientSession()
        self._id = ""

    async def publish(self, offer: str) -> str:
        async with self._http.post(f"{self._url}/publish", json={"sdp": offer}) as response:
            return str((await response.json())["sdp"])

    async def offers(self) -> AsyncIterator[str]:
        async with self._http.post(f"{self._url}/subscribe") as response:
            body = await response.json()
        self._id = body["id"]
        yield body["sdp"]

    async def answer(self, sdp: str) -> None:
        body = {"id": self._id, "sdp": sdp}
        async with self._http.post(f"{self._url}/answer", json=body) as response:
            await response.read()

    async def close(self) -> None:
        await self._http.close()
