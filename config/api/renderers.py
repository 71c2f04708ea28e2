from rest_framework.renderers import BaseRenderer


class PassthroughRenderer(BaseRenderer):
    """For routes that answer with bytes (images): lets content negotiation accept any Accept
    header while the view returns its own HttpResponse with the real content type."""

    media_type = "*/*"
    format = "bin"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data
