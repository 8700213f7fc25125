"""Datawow k-sequencing with labelkit, end to end against the local emulator.

Runs without an account and without network access: the Datawow emulator and a
postback receiver both listen on 127.0.0.1. Run with ``python examples/datawow_example.py``.

1. submit images to a Choice project (one of them with a postback URL),
2. receive the postback, re-fetch the image before trusting it,
3. wait for another image by polling, walk every page of the project,
4. look an image up by your own ``custom_id``,
5. see the typed error a wrong project key gives,
6. do the same look-ups from synchronous code.
"""

from __future__ import annotations

import anyio

import labelkit
from labelkit.datawow import AsyncDatawow, ChoiceImage, Datawow, PostbackReceiver
from labelkit.emulators import EmulatorConfig, EmulatorServer, create_emulator, serving

# The emulator's default projects use these keys (one project = one product).
CHOICE_KEY = "test-choice"
# Human moderation takes minutes; the emulator finishes in 0.3 s and the example
# polls accordingly (the default poll policy starts at 5 s and backs off to 60 s).
QUICK = labelkit.PollPolicy(initial_delay=0.1, interval=0.1, max_interval=0.5, timeout=30)


async def main(api_url: str) -> str:
    received: list[ChoiceImage] = []
    done = anyio.Event()

    async def on_processed(image: ChoiceImage) -> None:
        # Deliveries may repeat: handle them idempotently (here: by image id).
        if image.id not in {r.id for r in received}:
            received.append(image)
        done.set()

    async with AsyncDatawow(CHOICE_KEY, base_url=api_url, poll=QUICK) as datawow:
        receiver = PostbackReceiver(datawow.choice, on_processed, path="/datawow")
        async with serving(receiver) as hook_url:
            # 1. Submit: the vocabulary of the official SDK, checked before sending.
            notified = await datawow.choice.create(
                "https://images.example.com/pets/1.jpg",
                instruction="Which animals are in the picture?",
                categories=["cat", "dog", "bird"],
                multiple=True,
                postback_url=f"{hook_url}/datawow",
                postback_method="POST",
                custom_id="pets-1",
            )
            polled = await datawow.choice.create(
                "https://images.example.com/pets/2.jpg",
                instruction="Which animal is in the picture?",
                categories="cat dog bird",  # a space-separated string works too
                custom_id="pets-2",
            )
            print(f"submitted {notified.id} and {polled.id}: {notified.status.value}")

            # 2. The postback only says "look at image X"; the receiver re-fetched it.
            with anyio.fail_after(10):
                await done.wait()
            print(f"postback for {received[0].id}: answer {received[0].answer}")

        # 3. Poll instead of a postback (capped backoff), then every page once.
        image = await datawow.choice.wait(polled.id)
        print(f"waited for {image.id}: {image.status.value}, answer {image.answer}")
        async for item in datawow.choice.iter_images(per_page=1):
            print(f"  listed {item.id} ({item.custom_id}): {item.answer}")

        # 4. Your own id works for look-ups, e.g. after an AmbiguousResultError.
        again = await datawow.choice.find_id(custom_id="pets-1")
        print(f"custom_id pets-1 is image {again.id}")

    # 5. Errors are typed and never contain the key.
    async with AsyncDatawow("not-a-real-key", base_url=api_url) as wrong:
        try:
            await wrong.find_id(notified.id)
        except labelkit.AuthenticationError as exc:
            print(f"wrong key: {exc}")
    return notified.id


def sync_part(api_url: str, image_id: str) -> None:
    # 6. The same client, blocking; safe inside Jupyter and from threads.
    with Datawow(CHOICE_KEY, base_url=api_url, poll=QUICK) as datawow:
        image = datawow.wait(image_id)
        print(f"sync: {image.id} is {image.status.value}, answer {image.answer}")


if __name__ == "__main__":
    emulator = create_emulator("datawow", config=EmulatorConfig(processing_time=0.3))
    with EmulatorServer(emulator) as server:
        url = server.url + "/api"
        first_id = anyio.run(main, url)
        sync_part(url, first_id)
