"""Answers written for the grading tests: for each round, a strong one, a confidently wrong
one (the classic misconceptions), an off-topic one and a vague on-topic one.

They are shared by the unit tests here and the cross-service test (tests/test_grading.py).
"""

from __future__ import annotations

OFF_TOPIC = (
    "Last summer I went hiking in the Alps with my family. We stayed in a small hut near a "
    "lake, cooked pasta every evening and watched the sunset over the mountains. The weather "
    "was great, apart from one rainy afternoon when we played cards. I would love to go back "
    "next year and try a longer route across the glacier."
)

ANSWERS: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- recruiter screen
    "rs-01": {
        "strong": (
            "At my last company our support team spent hours every week copying order data "
            "between two systems, so I built a small FastAPI service that synchronised them. "
            "My role was the whole back end: I designed the API, wrote the sync jobs with "
            "Celery and set up the tests in pytest. We chose FastAPI because it gave us "
            "validation with pydantic for free and the team already knew Python. As a result, "
            "the manual work went from about ten hours a week to none, and data errors "
            "dropped by ninety percent. Looking back, I would add monitoring from the first "
            "day; we learned about a failing job from a customer, and today I would alert on "
            "it instead."
        ),
        "wrong": (
            "The project was a mess because my colleagues were incompetent, so nothing "
            "really worked. It was their fault that we missed every deadline. The manager was "
            "useless too. I mostly waited for them to fix their part."
        ),
        "vague": (
            "I worked on a lot of interesting Python projects over the years. They were "
            "mostly web things and some data work, and the team was nice. It went pretty "
            "well overall and I learned a lot of things. I like Python because it is easy."
        ),
    },
    # ---------------------------------------------------------------- fundamentals
    "lf-01": {
        "strong": (
            "A decorator is a callable that takes a function and returns a new function, "
            "usually a wrapper, that replaces the original. The @decorator line above a def "
            "is syntactic sugar for func = decorator(func), and it runs once, when the "
            "function is defined. Inside, the wrapper is a closure: it accepts *args and "
            "**kwargs, does something before or after, calls the original function with those "
            "arguments and returns its result. For example, a timing decorator records the "
            "time before and after the call and logs how long it took; functools.lru_cache "
            "is a decorator from the standard library. The catch is that the wrapper replaces "
            "the original, so you lose its metadata: __name__ and __doc__ now describe the "
            "wrapper. That is why you decorate the wrapper with functools.wraps, which copies "
            "the name, docstring and __wrapped__ from the original, so logs, debuggers and "
            "help() still show the right function. If the decorator needs arguments, you "
            "write a factory: an outer function that takes the arguments and returns the "
            "decorator. By convention, I always use functools.wraps."
        ),
        "wrong": (
            "A decorator is a special keyword that Python uses to make functions faster. The "
            "decorator runs every time you call the function, and it modifies the original "
            "function code in place so the new behaviour is baked in. You should use "
            "functools.wraps because it speeds up the wrapper and gives better performance. "
            "I use them all the time in Flask."
        ),
        "vague": (
            "Decorators are a really powerful feature of Python. You put them above your "
            "functions with the at sign and they add extra behaviour. They are used a lot in "
            "frameworks like Flask and Django, and wraps is something you should use with "
            "them because it is best practice. I use decorators all the time and they make "
            "code much cleaner and more Pythonic."
        ),
    },
    "lf-02": {
        "strong": (
            "A dictionary finds a key by its hash. The hash picks a slot in the table, and "
            "then the keys are compared for equality. So every key must be hashable, and its "
            "hash must never change while it is in the dictionary. A tuple is immutable: it "
            "can never change after it is created, so its hash stays the same, and a tuple "
            "can be a key. For example, a point with two numbers is a good key. A list is "
            "different, because you can change it. If you change a list after you store it, "
            "its hash would change, and "
            "the dictionary could not find the key again. That is why lists are not hashable, "
            "and Python raises a type error. But a tuple that holds a list is not hashable "
            "either, because all its items must be hashable. Equal keys must have the same "
            "hash."
        ),
        "wrong": (
            "Lists cannot be dictionary keys because they are slower and use more memory "
            "than tuples. Every tuple is hashable, so any tuple works as a key. The "
            "dictionary keeps its keys sorted and does a binary search to find them, which is "
            "why the key type matters."
        ),
        "vague": (
            "Tuples and lists are both sequences in Python, but they are different. Tuples "
            "are a bit special and dictionaries like them. Lists are used more often in "
            "normal code. Hashing is an important topic in Python and it is good to know "
            "about it, and mutability matters a lot too."
        ),
    },
    # ---------------------------------------------------------------- domain
    "ds-01": {
        "strong": (
            "First I measure instead of guessing. I reproduce the slow request and look at "
            "tracing from our APM to see where the time is spent: in the database, in calls "
            "to other services or in Python itself. Most of the time it is the database. "
            "With the ORM it is easy to get N+1 queries, one query per row, so I check the "
            "query log and fix it with select_related or prefetch_related, and I run EXPLAIN "
            "on slow queries to see whether an index is missing. For example, one endpoint "
            "went from two seconds to eighty milliseconds after adding a composite index. If "
            "the result is expensive and rarely changes, I cache it in Redis with a short "
            "TTL, but invalidation has a cost, so I only do it when needed. Work that does "
            "not have to happen during the request, like sending emails, goes to a Celery "
            "background task. Finally I verify with a load test before and after and keep "
            "the p95 latency on a dashboard with an alert, so a regression is caught."
        ),
        "wrong": (
            "Python is just slow, so the best fix is to rewrite it in Go. If that takes too "
            "long, add more servers behind the load balancer. Making the endpoint async also "
            "makes it faster automatically, so I would switch to async and the problem is "
            "solved."
        ),
        "vague": (
            "Performance is really important for web services. I would look at the code and "
            "try to make it better and more efficient. There are many tools for this and "
            "good practices. Usually it helps to clean things up and optimise where "
            "possible, and then it should be fast again."
        ),
    },
    # ---------------------------------------------------------------- behavioural
    "bh-01": {
        "strong": (
            "At my previous job, our payment service failed for a few customers every day, "
            "but never in testing, and we were losing orders. My task was to find the cause. "
            "First I added logging with request ids around the payment step, and I noticed "
            "the failures happened only around midnight. I reproduced it with a test that "
            "froze the clock just before midnight. It turned out the root cause was a time "
            "zone bug: one service used UTC and the other local time, so the expiry check "
            "rejected valid payments. I fixed it by using timezone-aware datetimes in UTC "
            "everywhere, and I added a regression test and an alert on payment failures. As "
            "a result the failures dropped to zero and never happened again. I learned to "
            "reproduce a bug before trying to fix it."
        ),
        "wrong": (
            "The hardest bug was not really my fault, it was their fault because the other "
            "team wrote bad code. I tried random things until it worked and then restarting "
            "fixed it, so we moved on. I never found out what it was."
        ),
        "vague": (
            "I have fixed many hard bugs in my career. Debugging is a big part of the job "
            "and I am good at it. Usually I look at the code carefully until I see the "
            "problem, and then it works. Teamwork helps too."
        ),
    },
}

# The same words typed and spoken (espeak-ng, transcribed by Whisper base) must score alike.
# Words chosen so that both survive text-to-speech and transcription.
SPOKEN_LF02 = ANSWERS["lf-02"]["strong"]

CODE: dict[str, dict[str, str]] = {
    "cc-01": {
        "strong": (
            "from collections import Counter\n\n\n"
            "def top_words(text: str, n: int) -> list[tuple[str, int]]:\n"
            "    \"\"\"The n most common lower-cased words, ties in first-seen order.\"\"\"\n"
            "    return Counter(text.lower().split()).most_common(n)\n"
        ),
        # Confident but wrong: a mutable default that leaks counts between calls, an index
        # loop, hand-written counting, a bare except and case-sensitive counting.
        "wrong": (
            "def top_words(text, n, counts={}):\n"
            "    words = text.split()\n"
            "    for i in range(len(words)):\n"
            "        w = words[i]\n"
            "        if w in counts:\n"
            "            counts[w] += 1\n"
            "        else:\n"
            "            counts[w] = 1\n"
            "    try:\n"
            "        ranked = sorted(counts.items(), key=lambda kv: -kv[1])\n"
            "    except:\n"
            "        ranked = []\n"
            "    return ranked[:n]\n"
        ),
        "off_topic": (
            "def chunked(items: list[int], size: int) -> list[list[int]]:\n"
            "    return [items[i:i + size] for i in range(0, len(items), size)]\n"
        ),
        "vague": (
            "I would use a Counter from the collections module and call most_common on it, "
            "after lower-casing the words."
        ),
    },
}


# A follow-up exchange (services/grader/tests/test_service.py, tests/test_follow_ups.py, the
# browser's follow-up test): an answer to lf-01 that misses only the core point `wraps`, and
# the answer to the follow-up about it, which together pass.
FOLLOW_UP_FIRST = (
    "A decorator is a callable that takes a function and returns a new function, usually a "
    "wrapper, that replaces the original. The @decorator line above a def is syntactic sugar "
    "for func = decorator(func), and it runs once, when the function is defined. Inside, the "
    "wrapper is a closure: it accepts *args and **kwargs, does something before or after, "
    "calls the original function with those arguments and returns its result. For example, "
    "a timing decorator records the time before and after the call and logs how long it took."
)
FOLLOW_UP_ANSWER = (
    "Because the wrapper replaces the original function, its __name__ and __doc__ would "
    "describe the wrapper. So I decorate the wrapper with functools.wraps, which copies the "
    "name, the docstring and __wrapped__ from the original, so help() and logs show the right "
    "function."
)
