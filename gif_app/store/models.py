"""Peewee models mirroring the migrated schema; private to the store package."""

from __future__ import annotations

import peewee


class BaseModel(peewee.Model):
    """Base with no database: open_database() binds the models at run time."""

    class Meta:
        database = None
        legacy_table_names = False


class JobConfigurationRow(BaseModel):
    """A named, editable job configuration."""

    id = peewee.AutoField()
    name = peewee.TextField()
    settings = peewee.TextField()
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()

    class Meta:
        table_name = "job_configuration"


class JobExecutionRow(BaseModel):
    """One run of a job."""

    id = peewee.AutoField()
    configuration = peewee.ForeignKeyField(JobConfigurationRow, null=True, on_delete="SET NULL",
                                           column_name="configuration_id")
    parent = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL", column_name="parent_id")
    label = peewee.TextField()
    status = peewee.TextField()
    created_at = peewee.DateTimeField()
    started_at = peewee.DateTimeField(null=True)
    finished_at = peewee.DateTimeField(null=True)
    planned = peewee.IntegerField(default=0)
    generated = peewee.IntegerField(default=0)
    approved = peewee.IntegerField(default=0)
    qc_failed = peewee.IntegerField(default=0)
    failed = peewee.IntegerField(default=0)
    cost = peewee.FloatField(default=0)
    error = peewee.TextField(null=True)
    settings_snapshot = peewee.TextField()
    queue_position = peewee.IntegerField(null=True)
    completed_generations = peewee.TextField(default="[]")
    updated_at = peewee.DateTimeField(null=True)
    awaiting_download = peewee.IntegerField(default=0)
    stop_reason = peewee.TextField(null=True)

    class Meta:
        table_name = "job_execution"


class GeneratedImageRow(BaseModel):
    """One generated image."""

    id = peewee.AutoField()
    mapping_id = peewee.TextField(unique=True)
    execution = peewee.ForeignKeyField(JobExecutionRow, on_delete="CASCADE", column_name="execution_id")
    generation_index = peewee.IntegerField()
    variation_index = peewee.IntegerField()
    prompt = peewee.TextField()
    keyword = peewee.TextField(default="")
    seed = peewee.IntegerField(null=True)
    provider = peewee.TextField(default="")
    provider_ids = peewee.TextField(default="{}")
    status = peewee.TextField()
    reason = peewee.TextField(null=True)
    temp_path = peewee.TextField(null=True)
    final_path = peewee.TextField(null=True)
    metadata = peewee.TextField(default="{}")
    processing = peewee.TextField(default="{}")
    cost = peewee.FloatField(default=0)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    search_text = peewee.TextField(default="")
    title_sort = peewee.TextField(default="")

    class Meta:
        table_name = "generated_image"


class LogEntryRow(BaseModel):
    """One structured job log record."""

    id = peewee.AutoField()
    execution = peewee.ForeignKeyField(JobExecutionRow, on_delete="CASCADE", column_name="execution_id")
    time = peewee.DateTimeField()
    level = peewee.TextField()
    step = peewee.TextField(default="")
    sub_step = peewee.TextField(default="")
    image_index = peewee.IntegerField(null=True)
    message = peewee.TextField()
    duration_ms = peewee.FloatField(null=True)
    error_code = peewee.TextField(null=True)
    data = peewee.TextField(default="{}")

    class Meta:
        table_name = "log_entry"


class RetryTaskRow(BaseModel):
    """One queued processing-only retry."""

    id = peewee.AutoField()
    image = peewee.ForeignKeyField(GeneratedImageRow, on_delete="CASCADE", column_name="image_id")
    mode = peewee.TextField()
    settings = peewee.TextField(default="{}")
    status = peewee.TextField()
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    error = peewee.TextField(null=True)

    class Meta:
        table_name = "retry_task"


class ChargeRow(BaseModel):
    """What one paid call cost."""

    id = peewee.AutoField()
    execution = peewee.ForeignKeyField(JobExecutionRow, on_delete="CASCADE", column_name="execution_id")
    image = peewee.ForeignKeyField(GeneratedImageRow, null=True, on_delete="SET NULL", column_name="image_id")
    vendor = peewee.TextField()
    model = peewee.TextField(default="")
    step = peewee.TextField()
    amount = peewee.FloatField()
    is_estimated = peewee.BooleanField(default=False)
    at = peewee.DateTimeField()

    class Meta:
        table_name = "charge"


ALL_MODELS: list[type[BaseModel]] = [
    JobConfigurationRow, JobExecutionRow, GeneratedImageRow, LogEntryRow, RetryTaskRow, ChargeRow,
]
