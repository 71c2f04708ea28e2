from rest_framework.renderers import BaseRenderer, JSONRenderer


class PassthroughRenderer(BaseRenderer):
    """For routes that answer with bytes (images): lets content negotiation accept any Accept
    header while the view returns its own HttpResponse with the real content type. Errors on
    those routes are still JSON, in the API's one error shape."""

    media_type = "*/*"
    format = "bin"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)
