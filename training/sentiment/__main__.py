"""`python -m training.sentiment train|evaluate ...`"""

import argparse

from training.sentiment.evaluation import evaluate_many, print_table
from training.sentiment.kinds import train
from training.sentiment.lora import train_lora

parser = argparse.ArgumentParser(prog="python -m training.sentiment")
parser.add_argument("command", choices=["train", "evaluate"])
parser.add_argument("--kind", default="polarity-head")
parser.add_argument("--version", action="append")
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()
if args.command == "train":
    v = args.version[0] if args.version else None
    if args.kind == "e5-lora":
        train_lora(v, epochs=args.epochs)
    else:
        train(v, kind=args.kind)
else:
    versions = args.version or ["latest"]
    print_table({}, evaluate_many(versions))
