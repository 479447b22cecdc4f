"""What Python's standard `email` package (policy=default) makes of messages: subject, sender and attachments.

Reads .eml paths from argv and prints one JSON line per message. Mailroom's parser is checked against it
(test/core/python-email-agreement.test.ts, and the parse benchmark's fidelity table).
"""
import hashlib
import json
import sys
from email import policy
from email.parser import BytesParser

BODY_TYPES = ('text/plain', 'text/html')


def leaves(part):
    """The parts that hold content; an embedded message is one leaf, as in Mailroom."""
    if part.get_content_maintype() == 'multipart' and part.is_multipart():
        for child in part.get_payload():
            yield from leaves(child)
    else:
        yield part


def content_bytes(part, linesep):
    if part.get_content_maintype() == 'message' and part.is_multipart():
        # Python parses an embedded message (or a delivery report's header blocks) and writes it out again.
        written = part.policy.clone(linesep=linesep)
        if part.get_content_subtype() in ('rfc822', 'global'):
            return part.get_payload(0).as_bytes(policy=written)
        return part.as_bytes(policy=written).split(linesep.encode() * 2, 1)[1]
    return part.get_payload(decode=True) or b''


def attachments(message, linesep):
    out = []
    for part in leaves(message):
        # A multipart whose boundary never appears is a leaf to Python (a defect it records), and no attachment.
        if (part is message and part.get_content_type() in BODY_TYPES) or part.get_content_maintype() == 'multipart':
            continue
        named = part.get_filename() is not None
        if part.get_content_disposition() == 'attachment' or named or part.get_content_type() not in BODY_TYPES:
            body = content_bytes(part, linesep)
            out.append({'filename': part.get_filename(), 'sha256': hashlib.sha256(body).hexdigest()})
    return out


def view(path):
    with open(path, 'rb') as f:
        raw = f.read()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    sender = message['from']
    first = sender.addresses[0] if sender is not None and len(sender.addresses) > 0 else None
    return {
        'file': path,
        'subject': str(message['subject'] or ''),
        'from': None if first is None else {'name': first.display_name, 'address': first.addr_spec},
        'attachments': attachments(message, '\r\n' if b'\r\n' in raw else '\n'),
    }


for path in sys.argv[1:]:
    try:
        print(json.dumps(view(path), ensure_ascii=False))
    except Exception as err:  # a message Python cannot read is reported, not fatal
        print(json.dumps({'file': path, 'error': f'{type(err).__name__}: {err}'}))
