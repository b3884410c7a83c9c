"""Data step: number and hash access-log entries written before the chain existed, in
id order per chain, so `verify_access_log` can check them like any other."""

from django.db import migrations


def chain_existing(apps, schema_editor):
    from accesslog.chain import GENESIS, entry_hash, values_of

    AccessLogEntry = apps.get_model("portal", "AccessLogEntry")
    chains = AccessLogEntry.objects.filter(seq=0).values_list("chain", flat=True).distinct()
    for chain in list(chains):
        prev = GENESIS
        for seq, entry in enumerate(AccessLogEntry.objects.filter(chain=chain).order_by("id").iterator(), start=1):
            entry.seq = seq
            entry.prev_hash = prev
            entry.hash = entry_hash(prev, values_of(entry))
            entry.save(update_fields=["seq", "prev_hash", "hash"])
            prev = entry.hash


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_accesslog_chain_fields")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
